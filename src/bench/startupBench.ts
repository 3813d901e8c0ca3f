/**
 * `npm run bench:startup`: how fast a user gets answers. Runs `sportello hours` N times (wall and
 * CPU time of the whole process, median and max) and `npm start`'s program (`node src/start.js`)
 * on a new SQLite database until `/health` answers, then prints one JSON line. The compiled
 * bundle is brought up to date first, so a rebuild is not counted. Goals (issue 13): hours under
 * 0.5 s and healthy under 5 s on a quiet machine.
 *
 *   npm run bench:startup -- [--runs 10]
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ensureFreshBuild } from "../cli/freshBuild.js";
import { processEnvironment } from "../config/env.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "10" } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write("bench:startup: --runs must be a positive whole number\n");
  process.exit(2);
}
const root = resolve(import.meta.dirname, "../..");
await ensureFreshBuild();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => Math.round(x);

let lastChildCpu = 0;
/** CPU time (user + system) of the children waited for since the previous call; Linux only. */
function childCpuMs(): number {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // Fields after "(comm) ": state is field 3; cutime and cstime are fields 16 and 17 (in ticks).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const total = ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
    const delta = total - lastChildCpu;
    lastChildCpu = total;
    return delta;
  } catch {
    return Number.NaN;
  }
}

/** Wall time and CPU time of one whole `sportello hours` process. */
function hoursOnce(): { wallMs: number; cpuMs: number } {
  const started = performance.now();
  const result = spawnSync(process.execPath, ["src/cli/bin.js", "hours", "--policy", "leotron"], {
    cwd: root,
    encoding: "utf8",
  });
  const wallMs = performance.now() - started;
  if (result.status !== 0) throw new Error(`sportello hours failed: ${result.stderr}`);
  return { wallMs, cpuMs: childCpuMs() };
}

childCpuMs();
const hours = Array.from({ length: runs }, hoursOnce);

/** CPU time (user + system) a running process has used so far; Linux only. */
function processCpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

/** `node src/start.js` until /health answers 200 (wall time, and the CPU it used); then stopped. */
async function startToHealthy(): Promise<{ wallMs: number; cpuMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), "sportello-bench-start-"));
  const port = 40_000 + Math.floor(Math.random() * 20_000);
  const started = performance.now();
  const child = spawn(process.execPath, ["src/start.js"], {
    cwd: root,
    env: {
      ...processEnvironment(),
      PORT: String(port),
      DATABASE_URL: `file:${join(dir, "bench.db")}`,
      SPORTELLO_DATA_DIR: dir,
      LOG_LEVEL: "warn",
    },
    stdio: "ignore",
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/health`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return { wallMs: performance.now() - started, cpuMs: processCpuMs(child.pid) };
      await new Promise((done) => setTimeout(done, 25));
    }
  } finally {
    const exited = new Promise((done) => child.once("exit", done));
    child.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

const healthy: { wallMs: number; cpuMs: number }[] = [];
for (let i = 0; i < Math.min(runs, 3); i++) healthy.push(await startToHealthy());

process.stdout.write(
  `${JSON.stringify({
    hours: {
      runs,
      wallMsMedian: ms(median(hours.map((h) => h.wallMs))),
      wallMsMax: ms(Math.max(...hours.map((h) => h.wallMs))),
      cpuMsMedian: ms(median(hours.map((h) => h.cpuMs))),
    },
    startToHealthy: {
      runs: healthy.length,
      wallMsMedian: ms(median(healthy.map((h) => h.wallMs))),
      wallMsMax: ms(Math.max(...healthy.map((h) => h.wallMs))),
      cpuMsMedian: ms(median(healthy.map((h) => h.cpuMs))),
    },
  })}\n`,
);
