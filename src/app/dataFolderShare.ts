/**
 * Several instances on one PostgreSQL database must share one data folder (`SPORTELLO_DATA_DIR`):
 * attachments, voice notes and web chat files are files there, stored by whichever instance took
 * the message and served by whichever instance a technician or customer reaches. Each instance
 * leaves a marker named after its id in `<data folder>/.instances/` while it runs; an instance
 * that cannot see a live instance's marker is not looking at the same folder, and `/health` says
 * so (see startApp.ts). Markers of instances that are gone without stopping (killed) are pruned at
 * the next start.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const MARKERS = ".instances";
/** A marker is pruned only this long after it was written: an instance starting now has not announced itself yet. */
const PRUNE_AFTER_MS = 10 * 60_000;

/** Leaves (or refreshes) this instance's marker in the data folder; first at start, before it announces itself. */
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

/**
 * Removes the markers of instances that are not live and were not written for ten minutes (a live
 * instance writes its marker again at each `/health`).
 */
export function pruneMarkers(dataDir: string, live: string[], now = Date.now()): void {
  const dir = join(dataDir, MARKERS);
  const keep = new Set(live);
  for (const id of existsSync(dir) ? readdirSync(dir) : []) {
    if (keep.has(id)) continue;
    const file = join(dir, id);
    try {
      if (now - statSync(file).mtimeMs > PRUNE_AFTER_MS) rmSync(file, { force: true });
    } catch {
      // Removed meanwhile by its own instance.
    }
  }
}
