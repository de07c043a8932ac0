import { ForgeError } from '../../ports/forge.ts';

/**
 * Git's rules for a branch name (`git check-ref-format refs/heads/<name>`), checked without a
 * process: no `..`, `@{`, control characters, space, `~^:?*[\\`, no component starting with `.`
 * or ending in `.lock`, no leading `-` or `/`, no trailing `/` or `.`, no `//`.
 */
export function checkBranchName(branch: string): void {
  const bad =
    branch.length === 0 ||
    branch.length > 255 ||
    branch.startsWith('-') ||
    branch.startsWith('/') ||
    branch.endsWith('/') ||
    branch.endsWith('.') ||
    branch.includes('..') ||
    branch.includes('//') ||
    branch.includes('@{') ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    /[\x00-\x20\x7f~^:?*[\\]/.test(branch) ||
    branch.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'));
  if (bad) throw new ForgeError('INTERNAL_ERROR', `invalid branch name '${branch}'`, false);
}
