/**
 * Several instances on one PostgreSQL database must share one data folder (`SPORTELLO_DATA_DIR`):
 * attachments, voice notes and web chat files are files there, stored by whichever instance took
 * the message and served by whichever instance a technician or customer reaches. Each instance
 * leaves a marker named after its id in `<data folder>/.instances/` while it runs; an instance
 * that cannot see a live instance's marker is not looking at the same folder, and `/health` says
 * so (see startApp.ts).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const MARKERS = ".instances";

/** Leaves this instance's marker in the data folder (at start, before it announces itself). */
export function markInstance(dataDir: string, instanceId: string): void {
  mkdirSync(join(dataDir, MARKERS), { recursive: true });
  writeFileSync(join(dataDir, MARKERS, instanceId), `${new Date().toISOString()}\n`);
}

/** Removes this instance's marker (at stop). */
export function unmarkInstance(dataDir: string, instanceId: string): void {
  rmSync(join(dataDir, MARKERS, instanceId), { force: true });
}

/** The live instances whose marker this data folder lacks: they use another folder. */
export function instancesApart(dataDir: string, live: string[]): string[] {
  return live.filter((id) => !existsSync(join(dataDir, MARKERS, id)));
}
