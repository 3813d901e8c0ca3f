/**
 * `/health` of instances on one PostgreSQL database: degraded while one of them uses another data
 * folder (attachments stored by one could not be served by the other), fine once all share one;
 * a command-line chat session, which keeps no files, does not count.
 * SQLite is one instance: no such check.
 */
import { mkdtempSync, readdirSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { instancesApart, markInstance, pruneMarkers } from "../../src/app/dataFolderShare.js";
import { type App, startApp } from "../../src/app/startApp.js";
import { loadConfig } from "../../src/config/env.js";
import { createCoordination } from "../../src/data/coordination.js";
import { openDatabase } from "../../src/data/database.js";
import { createLogger } from "../../src/observability/logger.js";
import { createEmptyDatabase, usingPostgres } from "../support/testDatabase.js";

interface Health {
  status: string;
  components: Record<string, { status: string; reason?: string; detail?: string }>;
}

describe("/health and the data folder", () => {
  let database: { url: string; drop(): Promise<void> };
  const dirs: string[] = [];
  const apps: App[] = [];

  const start = async (dataDir: string) => {
    const rawEnv = { DATABASE_URL: database.url, PORT: "0", SPORTELLO_DATA_DIR: dataDir };
    const app = await startApp(loadConfig(rawEnv), createLogger({ level: "silent" }));
    apps.push(app);
    return app;
  };
  const health = async (app: App) => {
    const response = await fetch(`${app.url}/health`);
    return { code: response.status, body: (await response.json()) as Health };
  };
  const folder = () => {
    const dir = mkdtempSync(join(tmpdir(), "sportello-folder-"));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    database = await createEmptyDatabase();
  });
  afterAll(async () => {
    for (const app of apps) await app.stop().catch(() => undefined);
    await database?.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it(
    usingPostgres
      ? "is degraded on both instances while they use different folders, and fine once they share one"
      : "has no data-folder component on SQLite, which runs one instance",
    async () => {
      const shared = folder();
      const a = await start(shared);
      if (!usingPostgres) {
        const { code, body } = await health(a);
        expect(code).toBe(200);
        expect(body.components.dataFolder).toBeUndefined();
        return;
      }
      expect((await health(a)).body.components.dataFolder).toMatchObject({ status: "ok" });

      const b = await start(folder());
      for (const app of [a, b]) {
        const { code, body } = await health(app);
        expect(code).toBe(503);
        expect(body.status).toBe("degraded");
        expect(body.components.dataFolder?.status).toBe("error");
        expect(body.components.dataFolder?.reason).toContain("SPORTELLO_DATA_DIR");
      }
      await b.stop();
      apps.pop();

      // A second instance on the same folder: both healthy.
      const c = await start(shared);
      for (const app of [a, c]) {
        const { code, body } = await health(app);
        expect(code).toBe(200);
        expect(body.components.dataFolder).toMatchObject({ status: "ok" });
      }

      // A command-line chat session (which keeps no files) elsewhere is no instance apart.
      const db = await openDatabase(database.url);
      const tool = await createCoordination(db, { tool: true });
      try {
        expect(await tool.liveInstances()).not.toContain(tool.instanceId);
        expect((await health(a)).code).toBe(200);
      } finally {
        await tool.close();
        await db.close();
      }
    },
  );

  it("prunes at start the markers of instances gone for ten minutes, never a live or a fresh one", () => {
    const dir = folder();
    for (const id of ["live-old", "gone-old", "gone-fresh"]) markInstance(dir, id);
    const old = new Date(Date.now() - 11 * 60_000);
    for (const id of ["live-old", "gone-old"]) utimesSync(join(dir, ".instances", id), old, old);
    pruneMarkers(dir, ["live-old"]);
    expect(readdirSync(join(dir, ".instances")).sort()).toEqual(["gone-fresh", "live-old"]);
    expect(instancesApart(dir, ["live-old", "gone-fresh", "elsewhere"])).toEqual(["elsewhere"]);
  });
});
