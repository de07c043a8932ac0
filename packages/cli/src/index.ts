export { ApiClient, ApiError, ServerUnreachableError } from './client.ts';
export { CliError, EXIT, type ExitCode } from './exit-codes.ts';
export { buildProgram, run, VERSION } from './main.ts';
export { resolveKey, resolveUrl } from './resolve.ts';
