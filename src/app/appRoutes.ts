/**
 * The composition root's routes beyond the server's own: one-time link pages from e-mails, the
 * on-call page, and with Twilio its signed webhooks and the preset's phone lines; and the
 * `/health` check that reads the database, the shared data folder and every channel.
 */
import type { FastifyInstance } from "fastify";
import type { Config } from "../config/env.js";
import type { Coordination } from "../data/coordination.js";
import { type Database, probeWrite } from "../data/database.js";
import type { Renderer } from "../i18n/renderer.js";
import type { HealthRegistry } from "../observability/healthRegistry.js";
import type { Policy } from "../policy/schema.js";
import type { Clock } from "../runtime/clock.js";
import type { SupportRuntime } from "../runtime/supportRuntime.js";
import { registerLinkRoutes } from "../server/linkRoutes.js";
import { registerOncallRoutes } from "../server/oncallRoutes.js";
import { registerTwilioRoutes } from "../server/twilioRoutes.js";
import { registerVoiceRoutes } from "../server/voiceRoutes.js";
import { checkDataFolder } from "./dataFolderShare.js";

/** What the routes are wired to. */
export interface AppRouteDeps {
  config: Config;
  runtime: SupportRuntime;
  renderer: Renderer;
  policy: Policy;
  db: Database;
  clock: Clock;
}

/** The extra routes, registered by the server inside its hardened scope. */
export function appRoutes(deps: AppRouteDeps): ((scope: FastifyInstance) => void)[] {
  const { config, runtime, renderer, policy, db, clock } = deps;
  const { twilio } = config;
  const { publicUrl } = config.http;
  return [
    // One-time link pages from e-mails (feedback form, sales rep authorization): the token in
    // the URL is the credential, so they sit in the hardened scope without a staff session.
    (scope) =>
      registerLinkRoutes(scope, { links: runtime.links, render: renderer.render, company: policy.company }),
    // The on-call page: rota, ways, pages.
    (scope) =>
      registerOncallRoutes(scope, {
        rota: runtime.rota,
        pager: runtime.pager,
        technicians: () => runtime.rota.technicians(),
      }),
    // Twilio's webhooks (signed; PUBLIC_URL is required with Twilio): page answers by key or SMS.
    ...(twilio && publicUrl
      ? [
          (scope: FastifyInstance) =>
            registerTwilioRoutes(scope, {
              authToken: twilio.authToken,
              publicUrl,
              pager: runtime.pager,
              render: renderer.render,
              language: policy.defaultLanguage,
            }),
          // The phone lines the preset declares (contacts[].line): voicemail and on-call.
          (scope: FastifyInstance) =>
            registerVoiceRoutes(scope, {
              settings: twilio,
              publicUrl,
              policy,
              db,
              clock,
              render: renderer.render,
              phonesNow: () => runtime.pager.phonesNow(),
              takeVoicemail: runtime.takeVoicemail,
            }),
        ]
      : []),
  ];
}

/** The `/health` answer: the database written to, the data folder shared, each channel's state. */
export function healthCheck(deps: {
  db: Database;
  dataDir: string;
  instanceId: string;
  coordination: Coordination;
  health: HealthRegistry;
  runtime: SupportRuntime;
  policy: Policy;
  slackOn: boolean;
}) {
  const { db, dataDir, instanceId, coordination, health, runtime, policy, slackOn } = deps;
  return async () => {
    // A write, not a read: a full disk or a read-only database still answers SELECT 1.
    const error = await probeWrite(db);
    if (error) health.error("database", `cannot write: ${error}`);
    else health.ok("database", db.provider);
    if (db.provider === "postgres" && !error)
      await checkDataFolder(dataDir, instanceId, coordination, health);
    const channels = runtime.channelStates();
    for (const { name, state } of channels) {
      if (state.status === "error") health.error(`channel:${name}`, state.error);
      else if (state.status === "off") health.remove(`channel:${name}`);
      else health.ok(`channel:${name}`, state.status);
    }
    return {
      db: { reachable: error === null, ...(error ? { error } : {}) },
      channels: Object.fromEntries(channels.map((c) => [c.name, c.state])),
      desks: { slack: slackOn ? "on" : "off" },
      components: health.snapshot(),
      healthy: health.healthy(),
      policy: policy.id,
    };
  };
}
