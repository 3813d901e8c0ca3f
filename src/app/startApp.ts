/**
 * The composition root: reads the checked environment, opens and migrates the database, builds
 * the runtime with every configured channel and desk, and serves the web chat, the staff board,
 * `/health`, `/metrics` and the webhooks. An unconfigured channel is off with one log line saying
 * how to turn it on; a channel that fails never stops the others.
 */

import { randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { AiAssist } from "../ai/triage.js";
import type { Config } from "../config/env.js";
import { createAiUsageStore } from "../data/aiUsageStore.js";
import { createAttemptCounter } from "../data/attemptCounter.js";
import { type Coordination, createCoordination } from "../data/coordination.js";
import { type Database, DatabaseError, migrate, openDatabase, redact } from "../data/database.js";
import { responseFacts } from "../data/reportQueries.js";
import { createStaffAccessStore } from "../data/staffAccessStore.js";
import { createTokenBuckets } from "../data/tokenBuckets.js";
import { createManagerDesk } from "../desk/board/managerDesk.js";
import { createStaffAuth, type StaffAuth } from "../desk/board/staffAuth.js";
import { createCannedReplyService } from "../desk/cannedReplyService.js";
import type { SlackDesk } from "../desk/slack/slackDesk.js";
import { createRenderer } from "../i18n/renderer.js";
import { createHealthRegistry, type HealthRegistry } from "../observability/healthRegistry.js";
import type { Logger } from "../observability/logger.js";
import { createMetrics, runtimeMetrics } from "../observability/metrics.js";
import { firstResponseObserver } from "../observability/responseTimeMetric.js";
import { twilioNotifiers } from "../pager/twilioNotifier.js";
import { downloadRecording } from "../phone/voicemailIntake.js";
import { loadCannedReplies } from "../policy/cannedReplies.js";
import { loadPolicy } from "../policy/loadPolicy.js";
import { policyResolver } from "../policy/policyResolver.js";
import type { Policy } from "../policy/schema.js";
import { type Clock, systemClock } from "../runtime/clock.js";
import type { SupportRuntime } from "../runtime/supportRuntime.js";
import { createHttpServer, type HttpServer } from "../server/httpServer.js";
import { appRoutes, healthCheck } from "./appRoutes.js";
import { composeRuntime } from "./composeRuntime.js";
import { markInstance, pruneMarkers, unmarkInstance } from "./dataFolderShare.js";
import { startPeriodicTasks } from "./periodicTasks.js";
import { buildChannels } from "./startChannels.js";
import { checkDataDir, listenError, StartupError } from "./startupError.js";

export interface App {
  readonly policy: Policy;
  readonly db: Database;
  readonly runtime: SupportRuntime;
  readonly server: HttpServer;
  /** Claims, chat locks and the bus shared with other instances on the same database. */
  readonly coordination: Coordination;
  /** Component states behind `/health`. */
  readonly health: HealthRegistry;
  /** Base URL the server listens on, e.g. http://127.0.0.1:3000 */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Public mode takes passwords only: when no active technician has one (e.g. the first admin was
 * added in localhost mode), say what to run, or nobody can sign in to the board.
 */
async function warnWithoutPasswords(staffAuth: StaffAuth, logger: Logger): Promise<void> {
  const everyone = await staffAuth.list();
  if (everyone.some((t) => t.active && t.hasPassword)) return;
  const name =
    everyone.find((t) => t.active && t.role === "admin")?.name ?? everyone.find((t) => t.active)?.name;
  logger.warn(
    name
      ? `PUBLIC_URL is set but no technician has a board password: nobody can sign in. Run \`npx sportello staff invite "${name}"\` and open the link it prints to choose one.`
      : "PUBLIC_URL is set but there are no technicians: run `npx sportello staff invite NAME --role admin` and open the link it prints.",
  );
}

/** Voice notes kept on disk so transcription jobs survive a restart. */
function fileMediaStore(dir: string) {
  return {
    async put(bytes: Uint8Array, name: string) {
      await mkdir(dir, { recursive: true });
      const ref = `${randomUUID()}-${name.replace(/[^\w.-]/g, "_").slice(-60)}`;
      await writeFile(join(dir, ref), bytes);
      return ref;
    },
    async get(ref: string) {
      if (!/^[\w.-]+$/.test(ref)) throw new Error("invalid media reference");
      return new Uint8Array(await readFile(join(dir, ref)));
    },
  };
}

export async function startApp(
  config: Config,
  logger: Logger & { child: (b: object) => Logger },
  options: { clock?: Clock } = {},
): Promise<App> {
  const clock = options.clock ?? systemClock;
  const policy = loadPolicy(config.core.policy);
  const dataDir = resolve(config.core.dataDir);
  // Uploads, voice notes and the WhatsApp session live here: without it the web chat would be dead.
  await checkDataDir(dataDir);
  const db = await openDatabaseOrExplain(config.core.databaseUrl, config.core.databasePoolSize);
  // From here on, a failure stops whatever already started: never half started.
  const started: (() => Promise<unknown>)[] = [() => db.close()];
  try {
    return await startServices(config, logger, { clock, policy, dataDir, db, started });
  } catch (error) {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
    throw error;
  }
}

/** Opens the database; errors that are not already explained become a {@link StartupError}. */
async function openDatabaseOrExplain(url: string, poolSize: number): Promise<Database> {
  try {
    return await openDatabase(url, { poolSize });
  } catch (error) {
    if (error instanceof DatabaseError) throw error;
    const reason = (error as Error).message?.split("\n")[0] ?? String(error);
    throw new StartupError(
      "database",
      `cannot open the database ${url.startsWith("file:") ? url : redact(url)} (${reason}): check DATABASE_URL and the folder's permissions`,
      { cause: error },
    );
  }
}

async function startServices(
  config: Config,
  logger: Logger & { child: (b: object) => Logger },
  context: {
    clock: Clock;
    policy: Policy;
    dataDir: string;
    db: Database;
    started: (() => Promise<unknown>)[];
  },
): Promise<App> {
  const { clock, policy, dataDir, db, started } = context;
  const { core, http } = config;
  const applied = await migrate(db);
  logger.info(
    {
      database: db.provider === "sqlite" ? core.databaseUrl : redact(core.databaseUrl),
      migrationsApplied: applied.length,
    },
    "database ready",
  );

  const metrics = createMetrics({ defaultMetrics: true });
  const health = createHealthRegistry(() => clock.now());
  // PostgreSQL: several instances may share the database (claims, chat locks, LISTEN/NOTIFY),
  // and must share the data folder: this instance's marker is there before it announces itself.
  const instanceId = randomUUID().replaceAll("-", "").slice(0, 16);
  markInstance(dataDir, instanceId);
  started.push(async () => unmarkInstance(dataDir, instanceId));
  const coordination = await createCoordination(db, {
    instanceId,
    onBusState: (state) => (state.ok ? health.ok("bus", "LISTEN/NOTIFY") : health.error("bus", state.reason)),
  });
  // Markers left by instances killed without stopping (kept if the list cannot be read).
  await coordination
    .liveInstances()
    .then((live) => pruneMarkers(dataDir, live))
    .catch(() => undefined);

  // AI is optional: without a key nothing changes and nothing mentions it to customers.
  const aiConfig = config.ai;
  // Platform libraries (openai, grammY/Telegraf, whatsapp-web.js, Bolt) are loaded only when
  // their setting turns them on: a bot with none of them starts in a fraction of the time.
  const ai: AiAssist | null = aiConfig.apiKey
    ? (await import("../ai/triage.js")).createAiAssist(aiConfig, {
        usage: createAiUsageStore(db),
        logger: logger.child({ part: "ai" }),
        now: () => clock.now(),
      })
    : null;
  logger.info(
    ai ? `AI assist on (model ${aiConfig.model})` : "AI assist off: set OPENAI_API_KEY to turn it on",
  );

  const { channels, webChannel, whatsapp, webhooks } = await buildChannels(config, logger, {
    db,
    policy,
    dataDir,
    clock,
    coordination,
  });

  // Links in e-mails (feedback form, sales rep) point here: PUBLIC_URL, else where we listen.
  let listeningAt = `http://${http.host}:${http.port}`;
  const runtime = composeRuntime({
    publicUrl: () => http.publicUrl ?? listeningAt,
    db,
    policy,
    clock,
    logger: logger.child({ part: "runtime" }),
    channels,
    ai,
    mediaStore: fileMediaStore(join(dataDir, "media")),
    metrics: runtimeMetrics(metrics),
    coordination,
    health,
    ...(config.twilio
      ? {
          pagerNotifiers: twilioNotifiers(config.twilio, () => http.publicUrl ?? listeningAt),
          recordingDownload: (url: string) => downloadRecording(config.twilio!, url),
        }
      : {}),
    onEvents: firstResponseObserver({
      metrics,
      facts: (number) => responseFacts(db, number),
      policies: policyResolver([policy]),
      logger: logger.child({ part: "metrics" }),
    }),
  });

  const cannedReplies = createCannedReplyService({
    policy,
    replies: loadCannedReplies(core.policy),
    getTicket: (number) => runtime.getTicket(number),
    now: () => clock.now(),
  });

  let slack: SlackDesk | null = null;
  // Bolt is loaded only when the desk is configured (a partial setup already stopped in loadConfig).
  if (config.slack) {
    const { createSlackDesk } = await import("../desk/slack/slackDesk.js");
    slack = createSlackDesk({
      ...config.slack,
      seen: runtime.seen,
      timeZone: policy.timezone,
      now: () => clock.now(),
      cannedReplies,
    });
    runtime.addDesk(slack);
  } else {
    logger.info(
      "Slack desk off: set SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and SLACK_STAFF_CHANNEL to use it (the staff board at /staff works without it)",
    );
  }

  const staffAuth = createStaffAuth({ store: createStaffAccessStore(db), now: () => clock.now() });
  const renderer = createRenderer(policy);
  const server = createHttpServer({
    routes: appRoutes({ config, runtime, renderer, policy, db, clock }),
    port: http.port,
    host: http.host,
    ...(http.publicUrl ? { publicUrl: http.publicUrl } : {}),
    trustProxy: http.trustProxy,
    allowedHosts: http.allowedHosts,
    webChannel,
    staffActions: runtime,
    boardQueries: { transcript: runtime.transcript, attachment: runtime.attachment },
    staffAuth,
    manager: createManagerDesk({ db, policy }),
    attempts: createAttemptCounter(db),
    buckets: createTokenBuckets(db),
    limits: config.limits,
    ...(config.limits.metricsToken ? { metricsToken: config.limits.metricsToken } : {}),
    cannedReplies,
    customers: { db, policy, dataDir, now: () => clock.now() },
    metrics,
    logger: logger.child({ part: "http" }) as never,
    webhooks,
    timeZone: policy.timezone,
    whatsappQr: () => {
      const state = whatsapp?.state();
      return state?.status === "waiting-for-qr" ? state.qr : null;
    },
    health: healthCheck({
      db,
      dataDir,
      instanceId,
      coordination,
      health,
      runtime,
      policy,
      slackOn: slack !== null,
    }),
  });
  if (slack && slack.mode === "http") {
    const { mountSlackDeskOnFastify } = await import("../desk/slack/fastifyMount.js");
    await mountSlackDeskOnFastify(server.app, slack);
  }

  started.push(() => coordination.close());
  await runtime.start();
  started.push(() => runtime.stop());
  let url: string;
  try {
    url = await server.start();
  } catch (error) {
    throw listenError(error, http.host, http.port);
  }
  listeningAt = url;
  started.push(() => server.stop());
  if (http.publicUrl) await warnWithoutPasswords(staffAuth, logger);
  const stopPeriodicTasks = startPeriodicTasks({
    db,
    dataDir,
    clock,
    logger,
    runtime,
    health,
    retentionMonths: core.retentionMonths,
    finishedWorkKeepDays: core.finishedWorkKeepDays,
    outageNotifyAfterMinutes: config.outageNotifyAfterMinutes,
  });
  return {
    policy,
    db,
    runtime,
    server,
    coordination,
    health,
    url,
    async stop() {
      stopPeriodicTasks();
      await server.stop().catch(() => undefined);
      await runtime.stop();
      await ai?.settle().catch(() => undefined);
      await coordination.close();
      unmarkInstance(dataDir, instanceId);
      await db.close();
    },
  };
}
