import { type Check, firstLine, probe } from './check.ts';

export const checkGit: Check = async () => {
  const res = await probe('git', ['--version']);
  if (res.code === 0) return { name: 'git', status: 'ok', detail: firstLine(res.output) };
  return {
    name: 'git',
    status: 'fail',
    detail: res.missing ? 'git is not installed' : `git --version failed: ${firstLine(res.output)}`,
    fix: 'apt-get install -y git',
  };
};
