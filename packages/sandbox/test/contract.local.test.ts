import { runSandboxContract } from '../src/contract.ts';
import { createLocalBackend } from '../src/index.ts';

runSandboxContract('local', () => createLocalBackend({ log: () => {} }));
