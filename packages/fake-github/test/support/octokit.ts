import { Octokit } from '@octokit/rest';

/** Octokit without its console warnings for the 4xx answers tests provoke on purpose. */
export const quiet = { debug() {}, info() {}, warn() {}, error() {} };

export function octokitFor(baseUrl: string, auth?: string): Octokit {
  return new Octokit({ auth, baseUrl, log: quiet });
}

/** The rejection of a call, for asserting on Octokit's `RequestError`. */
export async function failure(
  promise: Promise<unknown>,
): Promise<{ status: number; message: string; response?: any }> {
  try {
    await promise;
  } catch (error) {
    return error as { status: number; message: string; response?: any };
  }
  throw new Error('expected the call to fail');
}
