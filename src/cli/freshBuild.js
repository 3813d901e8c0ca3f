// @ts-check
/**
 * Compiled JavaScript that is never stale. The `sportello` bin and `npm start` run an esbuild
 * bundle of the TypeScript sources kept in node_modules/.cache/sportello/<build id>/. Before each
 * run the inputs recorded by the last build (esbuild's metafile: every source file the bundle was
 * made from) are stat-ed; if one changed, disappeared or the checkout moved, the bundle is rebuilt
 * first (~1 s). A fresh check costs a few milliseconds, so a checkout that other people keep
 * changing (git pull, merges, editors) always runs its current sources.
 *
 * Plain JavaScript on purpose: it must run before anything is compiled. Types in freshBuild.d.ts.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Bumped when the build options change, so older bundles are rebuilt. */
const BUILD_FORMAT = 3;

/**
 * npm packages bundled in rather than loaded from node_modules: plain JavaScript on the path of
 * every command (policy YAML and its validation, dates, holidays, arguments, texts), so one copy
 * in the bundle replaces hundreds of files Node would resolve and compile at each start
 * (date-holidays alone pulls in ~300 modules). zod keeps working across copies (openai's helper
 * loads its own): its registry and config live on globalThis and `instanceof` checks traits.
 * Every other package (Prisma, the platform libraries, pino, …) stays external.
 */
export const INLINED_PACKAGES = ["commander", "date-holidays", "i18next", "luxon", "yaml", "zod"];

/**
 * `@scope/name/sub` → `@scope/name`, `name/sub` → `name`.
 * @param {string} specifier
 */
function packageName(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** Names of the bundle folders in the cache (other folders there, e.g. yaml/, are not ours to prune). */
const BUILD_ID = /^[0-9a-z]+-[0-9a-f]{8}$/;

/** The checkout this file belongs to (src/cli/ → ../..). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The programs that can be run compiled: name → TypeScript entry point (relative to the root). */
export const ENTRY_POINTS = { cli: "src/cli/main.ts", main: "src/main.ts" };

/**
 * @param {{ root?: string, entryPoints?: Record<string, string>, cacheDir?: string }} [options]
 */
function settings(options = {}) {
  const root = options.root ?? PROJECT_ROOT;
  return {
    root,
    entryPoints: options.entryPoints ?? ENTRY_POINTS,
    cacheDir: options.cacheDir ?? join(root, "node_modules", ".cache", "sportello"),
  };
}

/**
 * The recorded build if every one of its inputs is unchanged, else undefined.
 * @param {ReturnType<typeof settings>} s
 * @returns {{ id: string, dir: string } | undefined}
 */
function currentBuild(s) {
  /** @type {{ format: number, root: string, id: string, entries: string[], inputs: [string, number, number][] }} */
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(s.cacheDir, "build.json"), "utf8"));
  } catch {
    return undefined;
  }
  if (stamp.format !== BUILD_FORMAT || stamp.root !== s.root) return undefined;
  const wanted = Object.keys(s.entryPoints).sort().join(",");
  if (stamp.entries.join(",") !== wanted) return undefined;
  for (const [file, mtimeMs, size] of stamp.inputs) {
    try {
      const st = statSync(join(s.root, file));
      if (st.mtimeMs !== mtimeMs || st.size !== size) return undefined;
    } catch {
      return undefined;
    }
  }
  return { id: stamp.id, dir: join(s.cacheDir, stamp.id) };
}

/**
 * Bundles the entry points with esbuild: one ES module per entry plus shared chunks (dynamic
 * `import()`s stay separate chunks, so commands still load their heavy modules lazily); npm
 * packages stay external except {@link INLINED_PACKAGES}. `import.meta.url` is replaced by the source file's own URL, so paths
 * computed from it (policies/, locales/, prisma/, Prisma's generated client) are the same as when
 * the sources run directly.
 * @param {ReturnType<typeof settings>} s
 */
async function build(s) {
  const esbuild = await import("esbuild");
  const id = `${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`; // matches BUILD_ID
  const outdir = join(s.cacheDir, id);
  /** @type {import("esbuild").Plugin} */
  const sourceUrls = {
    name: "source-import-meta",
    setup(b) {
      b.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
        const source = readFileSync(args.path, "utf8");
        if (!source.includes("import.meta.")) return undefined;
        const url = pathToFileURL(args.path).href;
        const contents = source
          .replaceAll("import.meta.url", JSON.stringify(url))
          .replaceAll("import.meta.filename", JSON.stringify(args.path))
          .replaceAll("import.meta.dirname", JSON.stringify(dirname(args.path)));
        const loader = /** @type {"ts" | "js"} */ (/\.[cm]?ts$/.test(args.path) ? "ts" : "js");
        return { contents, loader, resolveDir: dirname(args.path) };
      });
    },
  };
  /** @type {import("esbuild").Plugin} */
  const externals = {
    name: "externals",
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        // Inside an inlined package its own imports are bundled too; elsewhere only the listed ones.
        if (/[\\/]node_modules[\\/]/.test(args.importer)) return undefined;
        if (INLINED_PACKAGES.includes(packageName(args.path))) return undefined;
        return { path: args.path, external: true };
      });
    },
  };
  const result = await esbuild.build({
    absWorkingDir: s.root,
    entryPoints: s.entryPoints,
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // CommonJS packages bundled into ES modules call require(): give each chunk one.
    banner: {
      js: 'import { createRequire as __sportelloRequire } from "node:module";\nconst require = __sportelloRequire(import.meta.url);',
    },
    sourcemap: true,
    keepNames: true,
    metafile: true,
    logLevel: "error",
    plugins: [externals, sourceUrls],
  });
  /** @type {[string, number, number][]} */
  const inputs = Object.keys(result.metafile.inputs)
    .filter((file) => !file.includes(":"))
    .sort()
    .map((file) => {
      const st = statSync(join(s.root, file));
      return [file, st.mtimeMs, st.size];
    });
  const stamp = {
    format: BUILD_FORMAT,
    root: s.root,
    id,
    entries: Object.keys(s.entryPoints).sort(),
    inputs,
  };
  // Written then renamed: a concurrent run reads either the old stamp or the new one, never half.
  const tmp = join(s.cacheDir, `build.json.${id}`);
  writeFileSync(tmp, JSON.stringify(stamp));
  renameSync(tmp, join(s.cacheDir, "build.json"));
  prune(s.cacheDir, id);
  return { id, dir: outdir };
}

/**
 * Removes old bundles, keeping the newest three and any younger than an hour (a process started
 * from one may still load its lazy chunks).
 * @param {string} cacheDir
 * @param {string} keep
 */
function prune(cacheDir, keep) {
  const hour = 3_600_000;
  const dirs = readdirSync(cacheDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && BUILD_ID.test(d.name) && d.name !== keep)
    .map((d) => ({ path: join(cacheDir, d.name), mtime: statSync(join(cacheDir, d.name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const [i, d] of dirs.entries()) {
    if (i >= 2 && Date.now() - d.mtime > hour) rmSync(d.path, { recursive: true, force: true });
  }
}

/**
 * Returns an up-to-date bundle, building it when the sources changed since the last build.
 * @param {{ root?: string, entryPoints?: Record<string, string>, cacheDir?: string }} [options]
 * @returns {Promise<{ id: string, dir: string, built: boolean }>}
 */
export async function ensureFreshBuild(options) {
  const s = settings(options);
  const current = currentBuild(s);
  if (current) return { ...current, built: false };
  mkdirSync(s.cacheDir, { recursive: true });
  return { ...(await build(s)), built: true };
}

/**
 * Runs entry `name` ("cli" or "main") from a fresh bundle. If the cache cannot be written (a
 * read-only install), runs the TypeScript sources through tsx instead: slower, never stale.
 * @param {keyof typeof ENTRY_POINTS} name
 */
export async function runCompiled(name) {
  let dir;
  try {
    ({ dir } = await ensureFreshBuild());
  } catch (error) {
    const code = /** @type {{ code?: string }} */ (error).code;
    if (code !== "EACCES" && code !== "EROFS" && code !== "EPERM") throw error;
    process.stderr.write(`sportello: cannot write the compiled cache (${code}); running the sources\n`);
    const { register } = await import("tsx/esm/api");
    register();
    await import(pathToFileURL(join(PROJECT_ROOT, ENTRY_POINTS[name])).href);
    return;
  }
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(join(dir, `${name}.js`)).href);
}

// `node src/cli/freshBuild.js` (npm run build, run at install): builds now if the sources changed.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const { dir, built } = await ensureFreshBuild();
  process.stdout.write(`sportello: ${built ? "built" : "up to date:"} ${dir} (${Date.now() - started} ms)\n`);
}
