/**
 * Plays YAML stories: a customer and technicians talk to the real runtime (real database, real
 * machines, simulated clock), and each `expect` step checks replies, the ticket or the domain
 * events. Used by `npx sportello play` and by the test suite.
 *
 * The story format is in `storySchema`, reading files in `storyFiles`, the checks in
 * `storyExpectations`, staff steps in `storyStaffAction`; this module sets the scene and plays.
 */
import { basename } from "node:path";
import { composeRuntime, type RuntimeComposition } from "../app/composeRuntime.js";
import { LocalChannel } from "../channels/local/localChannel.js";
import { type ChannelName, capabilitiesOf, type OutboundMessage } from "../channels/port.js";
import type { Database } from "../data/database.js";
import * as store from "../data/supportStore.js";
import type { StaffDesk } from "../desk/port.js";
import { silentLogger } from "../observability/logger.js";
import { loadPolicy } from "../policy/loadPolicy.js";
import { SimulatedClock } from "../runtime/clock.js";
import { checkExpectation, type StoryEvent } from "./storyExpectations.js";
import type { Story } from "./storySchema.js";
import { toStaffAction } from "./storyStaffAction.js";

export type { StoryEvent } from "./storyExpectations.js";
export { readStory, storyFiles } from "./storyFiles.js";
export { type Story, storySchema } from "./storySchema.js";
export { subsetMismatch } from "./subsetMismatch.js";

/** The outcome of one story: failures, and what was said and recorded. */
export interface StoryResult {
  file: string;
  name: string;
  ok: boolean;
  failures: string[];
  transcript: { at: string; who: "customer" | "bot" | "staff"; text: string; choices?: string[] }[];
  events: StoryEvent[];
}

const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** What a story plays against. */
export interface PlayOptions {
  db: Database;
  /** Offline triage; default the one `npm start` uses (see {@link composeRuntime}), null for none. */
  offlineTriage?: RuntimeComposition["offlineTriage"];
  /** Language detection; default the one `npm start` uses, null for none. */
  detectLanguage?: RuntimeComposition["detectLanguage"];
  /** The AI assist (default off). */
  ai?: RuntimeComposition["ai"];
  /** Desks that receive the runtime's notifications (tests record them). */
  desks?: StaffDesk[];
  file?: string;
}

/** Plays one story against a fresh, migrated database. */
export async function playStory(story: Story, options: PlayOptions): Promise<StoryResult> {
  const { db } = options;
  const policy = loadPolicy(story.policy);
  const clock = new SimulatedClock(story.at);
  const transcript: StoryResult["transcript"] = [];
  const events: StoryResult["events"] = [];
  const channelName: ChannelName = story.channel;
  let window: OutboundMessage[] = [];
  const channel = new LocalChannel({
    as: channelName,
    now: () => clock.now(),
    onSend: (m) => {
      window.push(m);
      transcript.push({
        at: clock.now().toISOString(),
        who: "bot",
        text: m.text,
        ...(m.choices ? { choices: m.choices.map((c) => c.label) } : {}),
      });
    },
  });
  const makeRuntime = () =>
    composeRuntime({
      db,
      policy,
      clock,
      logger: silentLogger,
      channels: [channel],
      ...(options.offlineTriage !== undefined ? { offlineTriage: options.offlineTriage } : {}),
      ...(options.detectLanguage !== undefined ? { detectLanguage: options.detectLanguage } : {}),
      ...(options.ai ? { ai: options.ai } : {}),
      ...(options.desks ? { desks: options.desks } : {}),
      onEvents: (batch) => {
        for (const e of batch)
          events.push({ ...e.payload, type: e.type, ticket: e.ticket, at: e.at.toISOString() });
      },
    });
  let runtime = makeRuntime();

  // Identity of the customer on the story's channel.
  const c = story.customer;
  const phone = c?.phone ?? story.sender ?? "+393330000000";
  const senderId =
    channelName === "whatsapp"
      ? phone
      : channelName === "telegram"
        ? (c?.telegram ?? "700000001")
        : channelName === "email"
          ? (c?.email ?? story.sender ?? "customer@example.com").toLowerCase()
          : "local-customer";
  // An e-mail conversation is one thread (the e-mail adapter's chat id: address#thread).
  const chatId =
    channelName === "whatsapp"
      ? `${phone.replace(/^\+/, "")}@c.us`
      : channelName === "email"
        ? `${senderId}#story`
        : senderId;
  let customerId: string | null = null;
  if (c) {
    const customer = await db.transaction((tx) =>
      store.createCustomer(tx, {
        company: c.company,
        contactName: c.contactName ?? null,
        phone: c.phone ?? null,
        email: c.email ?? null,
        language: c.language,
        plans: c.plans,
        verified: true,
        salesRep: c.salesRep ?? null,
        purchases: c.purchases.map((p) => ({
          item: p.item,
          purchasedOn: p.date,
          warrantyMonths: p.warrantyMonths,
        })),
      }),
    );
    customerId = customer.id;
    // E-mail customers are found by their address, as the e-mail adapter's senders are.
    if (channelName !== "email") await store.linkIdentity(db, customer.id, channelName, senderId);
  }
  for (const shift of story.onCall) {
    const tech = await store.upsertTechnician(db, { name: shift.as });
    await store.addShift(db, {
      technicianId: tech.id,
      startsAt: new Date(shift.from),
      endsAt: new Date(shift.to),
    });
  }

  const failures: string[] = [];
  let lastMessage: ReturnType<LocalChannel["message"]> | null = null;
  let messageCounter = 0;
  await runtime.start();

  const latestTicket = async () => {
    const rows = await store.listTicketRows(db, {});
    const mine = customerId ? rows.filter((r) => r.customerId === customerId) : rows;
    return mine[0] ?? (await store.latestTicketOfChat(db, chatId));
  };

  try {
    for (const [index, step] of story.steps.entries()) {
      const where = `step ${index + 1}`;
      if ("say" in step) {
        window = [];
        const say =
          typeof step.say === "string"
            ? { text: step.say, attachments: [], choice: undefined, id: undefined }
            : step.say;
        messageCounter++;
        lastMessage = channel.message(chatId, say.text, {
          senderId,
          platformMessageId: say.id ?? `story-${messageCounter}`,
          at: clock.now(),
          ...(say.choice ? { choice: say.choice } : {}),
          attachments: say.attachments.map((a) => ({
            kind: a.kind,
            ...(a.name ? { name: a.name } : {}),
            ...(a.mime ? { mime: a.mime } : {}),
            ...(a.size !== undefined ? { size: a.size } : {}),
            fetch: async () => new TextEncoder().encode(`fake ${a.kind} ${a.name ?? ""}`),
          })),
        });
        transcript.push({
          at: clock.now().toISOString(),
          who: "customer",
          text:
            say.text + (say.attachments.length ? ` [${say.attachments.map((a) => a.kind).join(", ")}]` : ""),
        });
        await channel.receive(lastMessage);
        // AI work runs as jobs; stories wait for it like a customer would.
        await runtime.runDueJobs();
      } else if ("redeliver" in step) {
        window = [];
        if (lastMessage) await channel.receive(lastMessage);
      } else if ("restart" in step) {
        await runtime.stop();
        runtime = makeRuntime();
        await runtime.start();
        await runtime.deliver();
      } else if ("advance" in step) {
        window = [];
        if (typeof step.advance === "string") {
          const m = /^(\d+)(ms|s|m|h|d)$/.exec(step.advance)!;
          clock.advance(Number(m[1]) * DURATION_MS[m[2]!]!);
        } else {
          clock.set(step.advance.to);
        }
        await runtime.runDueJobs();
      } else if ("staff" in step) {
        window = [];
        const s = step.staff;
        await store.upsertTechnician(db, { name: s.as });
        const ticket = s.ticket ?? (await latestTicket())?.number;
        if (!ticket) {
          failures.push(`${where}: staff ${s.do} but there is no ticket`);
          continue;
        }
        const action = toStaffAction(s, ticket);
        transcript.push({
          at: clock.now().toISOString(),
          who: "staff",
          text: `${s.as}: ${s.do}${s.text ? ` ${s.text}` : ""}${s.minutes !== undefined ? ` ${s.minutes} min` : ""}`,
        });
        const result = await runtime.perform(action);
        if (s.expectError) {
          if (result.ok || result.code !== s.expectError)
            failures.push(
              `${where}: expected staff ${s.do} to fail with ${s.expectError}, got ${result.ok ? "ok" : result.code}`,
            );
        } else if (!result.ok) {
          failures.push(`${where}: staff ${s.do} failed: ${result.code} — ${result.message}`);
        }
        await runtime.runDueJobs();
      } else if ("expect" in step) {
        failures.push(
          ...(await checkExpectation(step.expect, {
            where,
            window,
            events,
            latestTicket,
            countTickets: async () => {
              const rows = await store.listTicketRows(db, {});
              return customerId ? rows.filter((r) => r.customerId === customerId).length : rows.length;
            },
            customer: async () => {
              const linked = await store.findCustomerForSender(
                db,
                channelName,
                senderId,
                null,
                capabilitiesOf(channelName).senderIsEmail ? senderId : null,
              );
              const id = linked?.id ?? customerId;
              return id ? (store.getCustomer(db, id) as Promise<Record<string, unknown> | null>) : null;
            },
          })),
        );
      }
    }
  } finally {
    await runtime.stop();
  }
  const file = options.file ?? "(inline)";
  return {
    file,
    name: story.name ?? basename(file),
    ok: failures.length === 0,
    failures,
    transcript,
    events,
  };
}
