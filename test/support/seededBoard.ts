/**
 * The staff board's HTTP server over the seeded month (`seedMonth`), public mode, with Laura
 * (administrator) and Luca (technician) signed in: the set-up the customer-page tests share.
 * `call` sends a request as the board's scripts do (session cookie, CSRF token, JSON body).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll } from "vitest";
import { createWebChannel } from "../../src/channels/web/webChannel.js";
import { createStaffAccessStore } from "../../src/data/staffAccessStore.js";
import { createStaffAuth } from "../../src/desk/board/staffAuth.js";
import { silentLogger } from "../../src/observability/logger.js";
import { createMetrics } from "../../src/observability/metrics.js";
import { createHttpServer, type HttpServer } from "../../src/server/httpServer.js";
import { signedInSession, technicianWithPassword } from "./boardAgent.js";
import { type SeededMonth, seedMonth } from "./seedMonth.js";
import { createTestDatabase, type TestDatabase } from "./testDatabase.js";

/** The address every request of these tests comes from. */
export const BOARD_REMOTE = "203.0.113.7";

export type BoardUser = "Laura" | "Luca";

export interface SeededBoard {
  t: TestDatabase;
  seed: SeededMonth;
  dataDir: string;
  server: HttpServer;
  /** Laura's and Luca's board sessions. */
  sessions: Record<BoardUser, { cookie: string; csrf: string }>;
  /** A request as `as`; `extra` headers replace the CSRF token header (undefined drops one). */
  call(
    as: BoardUser,
    method: "GET" | "PUT" | "POST",
    url: string,
    payload?: unknown,
    extra?: Record<string, string | undefined>,
  ): Promise<LightMyRequestResponse>;
  stop(): Promise<void>;
}

/** Starts the board on a fresh seeded database; `stop()` removes everything it made. */
export async function startSeededBoard(name: string): Promise<SeededBoard> {
  const t = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(tmpdir(), `sportello-${name}-`));
  const seed = await seedMonth(t.db, dataDir);
  const webChannel = createWebChannel({ dataDir });
  await technicianWithPassword(t.db, "Laura", "laura-password-1", "admin");
  await technicianWithPassword(t.db, "Luca", "luca-password-1");
  const server = createHttpServer({
    port: 0,
    host: "127.0.0.1",
    webChannel,
    staffActions: seed.runtimes.leotron!,
    health: async () => ({ db: { reachable: true }, channels: {} }),
    metrics: createMetrics({ defaultMetrics: false }),
    logger: silentLogger,
    staffAuth: createStaffAuth({ store: createStaffAccessStore(t.db) }),
    customers: {
      db: t.db,
      policy: seed.policies.leotron!,
      dataDir,
      now: () => new Date("2027-04-02T10:00:00Z"),
    },
    publicUrl: "https://support.example.com",
  });
  await server.app.ready();
  const sessions: Record<BoardUser, { cookie: string; csrf: string }> = {
    Laura: await signedInSession(server.app, "Laura", "laura-password-1", BOARD_REMOTE),
    Luca: await signedInSession(server.app, "Luca", "luca-password-1", BOARD_REMOTE),
  };
  return {
    t,
    seed,
    dataDir,
    server,
    sessions,
    call(as, method, url, payload, extra = { "x-csrf-token": sessions[as].csrf }) {
      const headers: Record<string, string> = {
        cookie: sessions[as].cookie,
        ...(payload !== undefined ? { "content-type": "application/json" } : {}),
      };
      for (const [header, value] of Object.entries(extra)) if (value !== undefined) headers[header] = value;
      return server.app.inject({
        method,
        url,
        remoteAddress: BOARD_REMOTE,
        headers,
        ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
      });
    },
    async stop() {
      await server.stop();
      await webChannel.stop();
      await seed.stop();
      await t.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The board of one test file: started before its tests (`beforeAll`), stopped after (`afterAll`).
 * Its fields are read inside tests; `call` may be taken at once (it delegates).
 */
export function useSeededBoard(name: string): SeededBoard {
  let started: SeededBoard | undefined;
  const current = (): SeededBoard => {
    if (!started) throw new Error("the seeded board starts in beforeAll: use it inside the tests");
    return started;
  };
  beforeAll(async () => {
    started = await startSeededBoard(name);
  });
  afterAll(async () => {
    await started?.stop();
  });
  return {
    get t() {
      return current().t;
    },
    get seed() {
      return current().seed;
    },
    get dataDir() {
      return current().dataDir;
    },
    get server() {
      return current().server;
    },
    get sessions() {
      return current().sessions;
    },
    call: (...args) => current().call(...args),
    stop: () => current().stop(),
  };
}
