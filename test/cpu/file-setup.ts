import { recordFileCpu } from './file-recorder.ts';

// A setup file of every test file (vitest.config.ts); records nothing unless ABCA_TEST_CPU names a folder.
recordFileCpu(process.env.ABCA_TEST_CPU);
