import type { Check } from './check.ts';

const MIN = [20, 19, 0] as const;

export const checkNode: Check = async () => {
  const [major = 0, minor = 0, patch = 0] = process.versions.node.split('.').map(Number);
  const ok =
    major > MIN[0] || (major === MIN[0] && (minor > MIN[1] || (minor === MIN[1] && patch >= MIN[2])));
  return ok
    ? { name: 'Node.js', status: 'ok', detail: `v${process.versions.node}` }
    : {
        name: 'Node.js',
        status: 'fail',
        detail: `v${process.versions.node} is too old; ABCA needs ${MIN.join('.')} or newer`,
        fix: 'install Node.js 20.19+ (e.g. `nvm install 22`) and run ABCA with it',
      };
};
