/**
 * Starts the HTTP server with the web channel and the fake runtime on 127.0.0.1:0 for server and
 * browser tests. Staff access and sign-in throttling are the real ones, on a fresh test database
 * holding the fake runtime's technicians (same ids, so board actions reach the fake as the
 * signed-in technician), or on another stack's database for a second instance.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  createWebChannel,
  type UploadLimits,
  type WebChannel,
  type WebHistoryLine,
} from "../../src/channels/web/webChannel.js";
import { createAttemptCounter } from "../../src/data/attemptCounter.js";
import { createStaffAccessStore } from "../../src/data/staffAccessStore.js";
import { createTechnician } from "../../src/data/technicianStore.js";
import { createTokenBuckets } from "../../src/data/tokenBuckets.js";
import { hashPassword } from "../../src/desk/board/passwords.js";
import { createStaffAuth, type StaffAccessStore, type StaffAuth } from "../../src/desk/board/staffAuth.js";
import { silentLogger } from "../../src/observability/logger.js";
import { createMetrics, type Metrics } from "../../src/observability/metrics.js";
import type { HealthReport, HttpServer, HttpServerDeps, WebhookRoute } from "../../src/server/httpServer.js";
import { createHttpServer } from "../../src/server/httpServer.js";
import { createFakeWebRuntime, type FakeWebRuntime, TECHNICIANS } from "./fakeWebRuntime.js";
import { createTestDatabase, type TestDatabase } from "./testDatabase.js";

export interface WebStack {
  server: HttpServer;
  baseUrl: string;
  webChannel: WebChannel;
  runtime: FakeWebRuntime;
  staffAuth: StaffAuth;
  store: StaffAccessStore;
  database: TestDatabase;
  metrics: Metrics;
  dataDir: string;
  close(): Promise<void>;
}

export interface WebStackOptions {
  /** Passwords of the fake's technicians (Marco, Giulia) to set before start. */
  passwords?: Record<string, string>;
  /** Roles of the fake's technicians (default technician). */
  roles?: Record<string, "technician" | "admin">;
  /** Public mode (PUBLIC_URL); absent = localhost mode. */
  publicUrl?: string;
  trustProxy?: HttpServerDeps["trustProxy"];
  timeouts?: HttpServerDeps["timeouts"];
  perClientPerMinute?: number;
  /** Abuse limits (chat messages, new chats, streams, slowest body); defaults otherwise. */
  limits?: HttpServerDeps["limits"];
  metricsToken?: string;
  routes?: HttpServerDeps["routes"];
  uploadLimits?: UploadLimits;
  history?: (chatId: string) => Promise<WebHistoryLine[]>;
  health?: () => Promise<HealthReport>;
  webhooks?: WebhookRoute[];
  whatsappQr?: () => string | null;
  /** Clock of staff access (invite and session expiry). */
  now?: () => Date;
  /** Listen for real (SSE and browser tests) or only use inject. */
  listen?: boolean;
  /** No technicians at all, as a fresh install (the fake's Marco and Giulia are not added). */
  freshInstall?: boolean;
  /**
   * Another stack's database, for a second instance beside it (its technicians are already
   * there; closing this stack leaves it to its owner).
   */
  database?: TestDatabase;
}

export async function startWebStack(options: WebStackOptions = {}): Promise<WebStack> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "sportello-web-"));
  const shared = options.database;
  const database = shared ?? (await createTestDatabase());
  const webChannel = createWebChannel({
    dataDir,
    ...(options.uploadLimits ? { uploadLimits: options.uploadLimits } : {}),
    ...(options.history ? { history: options.history } : {}),
  });
  const runtime = createFakeWebRuntime({ send: (m) => webChannel.send(m) });
  await webChannel.start(runtime.handler);
  const store = createStaffAccessStore(database.db);
  for (const t of shared || options.freshInstall ? [] : TECHNICIANS) {
    // Fixed ids (the fake runtime's technicians), so not the store's create, which makes its own.
    await createTechnician(database.db, {
      id: t.id,
      name: t.name,
      role: options.roles?.[t.name] ?? "technician",
    });
    const password = options.passwords?.[t.name];
    if (password) await store.setPassword(t.id, await hashPassword(password));
  }
  const staffAuth = createStaffAuth({ store, ...(options.now ? { now: options.now } : {}) });
  const metrics = createMetrics({ defaultMetrics: false });
  const server = createHttpServer({
    port: 0,
    host: "127.0.0.1",
    webChannel,
    staffActions: runtime.staffActions,
    boardQueries: runtime.boardQueries,
    health:
      options.health ?? (async () => ({ db: { reachable: true }, channels: { web: webChannel.state() } })),
    metrics,
    logger: silentLogger,
    staffAuth,
    attempts: createAttemptCounter(database.db),
    buckets: createTokenBuckets(database.db),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.metricsToken ? { metricsToken: options.metricsToken } : {}),
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    ...(options.perClientPerMinute ? { perClientPerMinute: options.perClientPerMinute } : {}),
    ...(options.webhooks ? { webhooks: options.webhooks } : {}),
    ...(options.routes ? { routes: options.routes } : {}),
    ...(options.whatsappQr ? { whatsappQr: options.whatsappQr } : {}),
  });
  const baseUrl = options.listen === false ? "http://127.0.0.1" : await server.start();
  if (options.listen === false) await server.app.ready();
  return {
    server,
    baseUrl,
    webChannel,
    runtime,
    staffAuth,
    store,
    database,
    metrics,
    dataDir,
    async close() {
      await server.stop();
      await webChannel.stop();
      if (!shared) await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
