export declare const DIST: string;
export declare const BUNDLE: string;
export declare const MANIFEST: string;
export declare const CODE_CACHE: string;
export declare const SERVER_DIST: string;
export interface BuildManifest {
  builtAt: number;
  inputs: string[];
  /** What the CLI bundle holds; what dist/server/ holds. Absent in an older build's manifest. */
  cliInputs?: string[];
  serverInputs?: string[];
}
export declare function buildCli(): Promise<{ bundle: string; inputs: number }>;
export declare function freshness(
  manifest: BuildManifest | undefined,
  part?: 'all' | 'cli' | 'server',
): string;
export declare function readManifest(): BuildManifest | undefined;
