/** Types of ./freshBuild.js (plain JavaScript: it runs before anything is compiled). */

/** The checkout the launcher belongs to. */
export declare const PROJECT_ROOT: string;

/** The programs that can be run compiled: name → TypeScript entry point (relative to the root). */
export declare const ENTRY_POINTS: { readonly cli: string; readonly main: string };

export interface FreshBuildOptions {
  /** Project root (default: this checkout). */
  root?: string;
  /** name → entry point relative to `root` (default: {@link ENTRY_POINTS}). */
  entryPoints?: Record<string, string>;
  /** Where bundles and the build stamp live (default: `<root>/node_modules/.cache/sportello`). */
  cacheDir?: string;
}

/** Returns an up-to-date bundle (`<dir>/<entry name>.js`), building it if the sources changed. */
export declare function ensureFreshBuild(
  options?: FreshBuildOptions,
): Promise<{ id: string; dir: string; built: boolean }>;

/** Runs an entry of a fresh bundle (the sources through tsx if the cache is read-only). */
export declare function runCompiled(name: "cli" | "main"): Promise<void>;
