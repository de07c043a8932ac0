export declare const DIST: string;
export declare const BUNDLE: string;
export declare const MANIFEST: string;
export declare const CODE_CACHE: string;
export interface BuildManifest {
  builtAt: number;
  inputs: string[];
}
export declare function buildCli(): Promise<{ bundle: string; inputs: number }>;
export declare function freshness(manifest: BuildManifest | undefined): string;
