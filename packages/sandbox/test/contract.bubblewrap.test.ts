import { runSandboxContract } from '../src/contract.ts';
import { createBubblewrapBackend } from '../src/index.ts';

runSandboxContract('bubblewrap', () => createBubblewrapBackend());
