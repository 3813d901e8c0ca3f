import { execFile } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { ensureFreshBuild } from "../../src/cli/freshBuild.js";

const exec = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), "sportello-build-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const write = (file: string, text: string) => {
  mkdirSync(resolve(root, file, ".."), { recursive: true });
  writeFileSync(join(root, file), text);
};
const options = { root, entryPoints: { app: "src/app.ts" } };
/** Runs the bundle's entry and returns what it printed. */
const run = async (dir: string) => (await exec(process.execPath, [join(dir, "app.js")])).stdout.trim();

describe("compiled bundle (src/cli/freshBuild.js)", () => {
  it("rebuilds whenever a source the bundle was made from changes or disappears, and only then", async () => {
    write("assets/greeting.txt", "hello");
    write("flows/word.ts", 'export const word: string = "one";\n');
    write(
      "src/lib/where.ts",
      [
        'import { readFileSync } from "node:fs";',
        'import { fileURLToPath } from "node:url";',
        "// Paths computed from import.meta.url stay those of the source file.",
        'export const greeting = readFileSync(fileURLToPath(new URL("../../assets/greeting.txt", import.meta.url)), "utf8");',
        "",
      ].join("\n"),
    );
    write(
      "src/app.ts",
      [
        'import { word } from "../flows/word.js";',
        'import { greeting } from "./lib/where.js";',
        'console.log([greeting, word].join(" "));',
        "",
      ].join("\n"),
    );

    const first = await ensureFreshBuild(options);
    expect(first.built).toBe(true);
    expect(await run(first.dir)).toBe("hello one");

    const again = await ensureFreshBuild(options);
    expect(again).toEqual({ ...first, built: false });

    // A change deep in the import graph (outside src/) is picked up.
    write("flows/word.ts", 'export const word: string = "two";\n');
    const second = await ensureFreshBuild(options);
    expect(second.built).toBe(true);
    expect(await run(second.dir)).toBe("hello two");

    // Same size, new content and a new mtime (an editor save, a git checkout).
    write("flows/word.ts", 'export const word: string = "six";\n');
    utimesSync(join(root, "flows/word.ts"), new Date(), new Date(Date.now() + 5_000));
    const third = await ensureFreshBuild(options);
    expect(third.built).toBe(true);
    expect(await run(third.dir)).toBe("hello six");

    // A removed input forces a rebuild, which reports the broken import instead of running stale code.
    rmSync(join(root, "flows/word.ts"));
    await expect(ensureFreshBuild(options)).rejects.toThrow(/word/);
  });

  it("prunes old bundles (keeping the newest) and nothing else in the cache folder", async () => {
    const cacheDir = join(root, "cache-prune");
    const old = new Date(Date.now() - 3 * 3_600_000);
    const fakes = ["aaaa-00000001", "aaab-00000002", "aaac-00000003", "aaad-00000004"];
    for (const [i, name] of [...fakes, "yaml"].entries()) {
      mkdirSync(join(cacheDir, name), { recursive: true });
      const at = new Date(old.getTime() + i * 60_000);
      utimesSync(join(cacheDir, name), at, at);
    }
    write("src/app.ts", 'console.log("pruned");\n');
    const built = await ensureFreshBuild({ ...options, cacheDir });
    expect(built.built).toBe(true);
    const left = readdirSync(cacheDir).sort();
    // The new bundle, the two newest old ones, the stamp and the YAML cache stay.
    expect(left).toEqual([...fakes.slice(2), "build.json", built.id, "yaml"].sort());
  });

  it("the sportello bin runs the current sources of this checkout", async () => {
    const project = resolve(import.meta.dirname, "../..");
    const { dir } = await ensureFreshBuild();
    const stamp = JSON.parse(readFileSync(join(dir, "..", "build.json"), "utf8")) as {
      inputs: [string, number, number][];
    };
    // Every source of the CLI and of the bot is an input of the bundle the bin runs.
    const inputs = stamp.inputs.map(([file]) => file);
    for (const file of ["src/cli/main.ts", "src/cli/hoursCommand.ts", "src/main.ts", "src/app/startApp.ts"])
      expect(inputs).toContain(file);
    const { stdout } = await exec(
      process.execPath,
      ["src/cli/bin.js", "hours", "--policy", "leotron", "--at", "2027-03-29T10:00:00+02:00"],
      { cwd: project },
    );
    expect(JSON.parse(stdout)).toMatchObject({ open: false, holiday: "easter-monday" });
  });
});
