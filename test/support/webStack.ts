/**
 * Starts the HTTP server with the web channel and the fake runtime on 127.0.0.1:0 for server and
 * browser tests. The lead swaps {@link createFakeWebRuntime} for the real runtime here.
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
import { createStaffAuth, type StaffAuth } from "../../src/desk/board/staffAuth.js";
import { silentLogger } from "../../src/observability/logger.js";
import { createMetrics, type Metrics } from "../../src/observability/metrics.js";
import type { HealthReport, HttpServer, WebhookRoute } from "../../src/server/httpServer.js";
import { createHttpServer } from "../../src/server/httpServer.js";
import { createFakeWebRuntime, createMemoryCredentialStore, type FakeWebRuntime } from "./fakeWebRuntime.js";

export interface WebStack {
  server: HttpServer;
  baseUrl: string;
  webChannel: WebChannel;
  runtime: FakeWebRuntime;
  staffAuth: StaffAuth;
  store: ReturnType<typeof createMemoryCredentialStore>;
  metrics: Metrics;
  dataDir: string;
  close(): Promise<void>;
}

export interface WebStackOptions {
  /** Passwords to configure before start; none = localhost-only board. */
  passwords?: Record<string, string>;
  uploadLimits?: UploadLimits;
  history?: (chatId: string) => Promise<WebHistoryLine[]>;
  health?: () => Promise<HealthReport>;
  webhooks?: WebhookRoute[];
  whatsappQr?: () => string | null;
  localTechnician?: (name: string) => Promise<{ id: string; name: string } | null>;
  /** Listen for real (SSE and browser tests) or only use inject. */
  listen?: boolean;
}

export async function startWebStack(options: WebStackOptions = {}): Promise<WebStack> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "sportello-web-"));
  const webChannel = createWebChannel({
    dataDir,
    ...(options.uploadLimits ? { uploadLimits: options.uploadLimits } : {}),
    ...(options.history ? { history: options.history } : {}),
  });
  const runtime = createFakeWebRuntime({ send: (m) => webChannel.send(m) });
  await webChannel.start(runtime.handler);
  const store = createMemoryCredentialStore();
  const staffAuth = createStaffAuth({ store, sessionSecret: "test-secret-test-secret" });
  for (const [name, password] of Object.entries(options.passwords ?? {}))
    await staffAuth.setPassword(name, password);
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
    ...(options.webhooks ? { webhooks: options.webhooks } : {}),
    ...(options.whatsappQr ? { whatsappQr: options.whatsappQr } : {}),
    ...(options.localTechnician ? { localTechnician: options.localTechnician } : {}),
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
    metrics,
    dataDir,
    async close() {
      await server.stop();
      await webChannel.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
