/** `provider:model` split at the first colon, or `undefined` when it is not of that form. */
export function splitModelRef(ref: string): { provider: string; modelId: string } | undefined {
  const colon = ref.indexOf(':');
  if (colon <= 0 || colon === ref.length - 1) return undefined;
  return { provider: ref.slice(0, colon), modelId: ref.slice(colon + 1) };
}
