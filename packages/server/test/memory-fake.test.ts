import { createFakeMemory } from '../src/adapters/memory/fake.ts';
import { runMemoryContract } from './memory-contract.ts';

runMemoryContract('fake', async () => ({ memory: createFakeMemory(), cleanup: async () => {} }));
