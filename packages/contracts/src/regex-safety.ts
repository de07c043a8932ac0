/**
 * Whether a regular expression has a repeated group that itself holds a repeating quantifier
 * (`(a+)+`, `(\w*x)*`, `((a|b+)?){2,}`): the shape behind catastrophic backtracking. A cheap scan
 * of the source, not a proof: it refuses some harmless patterns (`(ab+)*`) and misses overlapping
 * alternatives (`(a|a)*`), which the bound on the matched text keeps in check.
 */
export function hasNestedQuantifier(source: string): boolean {
  /** Per open group: does it hold a quantifier that repeats (`*`, `+`, `{n,}`, `{n,m}` with m > 1)? */
  const stack: boolean[] = [];
  const mark = () => {
    if (stack.length) stack[stack.length - 1] = true;
  };
  let inClass = false;
  /** A group just closed: whether it repeats inside. */
  let closed: boolean | undefined;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (inClass) {
      if (ch === '\\') i += 1;
      else if (ch === ']') inClass = false;
      continue;
    }
    const q = repeatingQuantifierAt(source, i);
    if (closed !== undefined) {
      const inner = closed;
      closed = undefined;
      if (q !== undefined) {
        if (q && inner) return true;
        if (q || inner) mark();
        continue;
      }
      if (inner) mark();
    }
    if (ch === '\\') i += 1;
    else if (ch === '[') inClass = true;
    else if (ch === '(') stack.push(false);
    else if (ch === ')') closed = stack.pop() ?? false;
    else if (q) mark();
  }
  return false;
}

/** At `i`: a quantifier that repeats (true), one that does not (`?`, `{1}`, `{0,1}`: false), or none. */
function repeatingQuantifierAt(source: string, i: number): boolean | undefined {
  const ch = source[i];
  if (ch === '*' || ch === '+') return true;
  if (ch === '?') return false;
  if (ch === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
    if (!m) return undefined;
    if (m[2] === undefined) return Number(m[1]) > 1;
    return m[3] === '' || Number(m[3]) > 1;
  }
  return undefined;
}
