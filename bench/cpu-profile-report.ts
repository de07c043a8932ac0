/**
 * A V8 CPU profile (the inspector's `Profiler.stop`) summed by file or package and by function,
 * self time, per unit of work (a task, a creation): what the profile benches print.
 */

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The package (`npm:<name>`), Node module or source file of a frame's URL. */
export function bucketOf(url: string): string {
  if (!url) return '(native / gc / idle)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/');
    return `npm:${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (url.startsWith('node:')) return url;
  const p = url.indexOf('/packages/');
  return p >= 0 ? url.slice(p + 1) : url;
}

/**
 * Prints the sampled non-idle time per `unit` and the top files and functions by self time, in
 * `scale` (`ms` a task, or `us` a creation).
 */
export function printProfile(profile: CpuProfile, units: number, unit: string, scale: 'ms' | 'us'): void {
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    const us = selfUs.get(n.id) ?? 0;
    if (n.callFrame.functionName === '(idle)') continue;
    total += us;
    const fn = `${n.callFrame.functionName || '(anonymous)'} ${bucketOf(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + us);
    const file = bucketOf(n.callFrame.url);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const div = scale === 'ms' ? 1000 : 1;
  const top = (m: Map<string, number>, k: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(
        ([name, us]) =>
          `  ${((us / div / units) | 0).toString().padStart(5)} ${scale}/${unit} ${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}`,
      )
      .join('\n');
  console.log(`\nsampled (non-idle) JS time: ${(total / 1e6 / units).toFixed(6)} s per ${unit}`);
  console.log(`\nby file or package (self time):\n${top(byFile, 30)}`);
  console.log(`\nby function (self time):\n${top(byFn, 40)}`);
}
