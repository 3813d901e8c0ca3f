/**
 * Several instances on one PostgreSQL database must share one data folder (`SPORTELLO_DATA_DIR`):
 * attachments, voice notes and web chat files are files there, stored by whichever instance took
 * the message and served by whichever instance a technician or customer reaches. Each instance
 * leaves a marker named after its id in `<data folder>/.instances/` while it runs; an instance
 * that cannot see a live instance's marker is not looking at the same folder, and `/health` says
 * so ({@link checkDataFolder}). Markers of instances that are gone without stopping (killed) are pruned at
 * the next start.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Coordination } from "../data/coordination.js";
import type { HealthRegistry } from "../observability/healthRegistry.js";

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

/**
 * Reports on `health` (component `dataFolder`) whether every live instance shares this data
 * folder; writes this instance's marker again first, so one pruned by mistake (presence briefly
 * lost) comes back. A list that cannot be read leaves the component as it was.
 */
export async function checkDataFolder(
  dataDir: string,
  instanceId: string,
  coordination: Pick<Coordination, "liveInstances">,
  health: Pick<HealthRegistry, "ok" | "error">,
): Promise<void> {
  try {
    markInstance(dataDir, instanceId);
  } catch (error) {
    health.error("dataFolder", `cannot write SPORTELLO_DATA_DIR: ${(error as Error).message}`);
    return;
  }
  const live = await coordination.liveInstances().catch(() => null);
  if (!live) return;
  const apart = instancesApart(dataDir, live);
  if (apart.length === 0) health.ok("dataFolder", "shared by every instance");
  else
    health.error(
      "dataFolder",
      `${apart.length === 1 ? `instance ${apart[0]} uses` : `instances ${apart.join(", ")} use`} another SPORTELLO_DATA_DIR: give every instance the same shared folder, or attachments stored by one cannot be served by another`,
    );
}
