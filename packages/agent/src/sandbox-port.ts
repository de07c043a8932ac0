/** The sandbox port the tools run through (owned by `@abca/sandbox`); re-exported in one place. */
export type { ExecOptions, ExecResult, Sandbox } from '@abca/sandbox';
