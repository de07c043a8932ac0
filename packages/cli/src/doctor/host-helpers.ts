import { type Check, firstLine, probe } from './check.ts';

/**
 * The platform runs each host helper of a task (git, rm) as `setpriv --pdeathsig TERM -- ...`,
 * so it dies with the platform: setpriv must be there and understand that.
 */
export const checkHostHelpers: Check = async () => {
  const res = await probe('setpriv', ['--pdeathsig', 'TERM', '--', 'true']);
  if (res.code === 0) return { name: 'host helpers', status: 'ok', detail: 'setpriv --pdeathsig works' };
  return {
    name: 'host helpers',
    status: 'fail',
    detail: res.missing ? 'setpriv is not installed' : `setpriv --pdeathsig failed: ${firstLine(res.output)}`,
    fix: 'apt-get install -y util-linux (setpriv 2.33 or newer)',
  };
};
