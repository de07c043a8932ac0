import { type Check, firstLine, probe } from './check.ts';

/**
 * The platform runs each host helper of a task (git, rm) as `setpriv --pdeathsig TERM -- timeout
 * ...`, so it dies with its task and with the platform: both must be there and understand that.
 */
export const checkHostHelpers: Check = async () => {
  const res = await probe('setpriv', ['--pdeathsig', 'TERM', '--', 'timeout', '5', 'true']);
  if (res.code === 0)
    return { name: 'host helpers', status: 'ok', detail: 'setpriv --pdeathsig and timeout work' };
  return {
    name: 'host helpers',
    status: 'fail',
    detail: res.missing
      ? 'setpriv is not installed'
      : `setpriv --pdeathsig ... timeout failed: ${firstLine(res.output)}`,
    fix: 'apt-get install -y util-linux coreutils (setpriv 2.33 or newer)',
  };
};
