/**
 * Plays YAML stories: a customer and technicians talk to the real runtime (real database, real
 * machines, simulated clock), and each `expect` step checks replies, the ticket or the domain
 * events. Used by `npx sportello play` and by the test suite.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { LocalChannel } from "../channels/local/localChannel.js";
import type { ChannelName, OutboundMessage } from "../channels/port.js";
import type { Database } from "../data/database.js";
import * as store from "../data/supportStore.js";
import type { StaffAction, StaffDesk } from "../desk/port.js";
import { silentLogger } from "../observability/logger.js";
import { loadPolicy } from "../policy/loadPolicy.js";
import { SimulatedClock } from "../runtime/clock.js";
import { type AssistPort, SupportRuntime, type TriageSuggestion } from "../runtime/supportRuntime.js";

const attachmentSchema = z.object({
  kind: z.enum(["image", "video", "audio", "voice", "document", "sticker", "location", "other"]),
  name: z.string().optional(),
  mime: z.string().optional(),
  size: z.number().int().nonnegative().optional(),
});

const textMatch = z.union([
  z.object({ contains: z.string() }),
  z.object({ matches: z.string() }),
  z.object({ notContains: z.string() }),
]);

const stepSchema = z.union([
  z.object({
    say: z.union([
      z.string(),
      z.object({
        text: z.string().default(""),
        attachments: z.array(attachmentSchema).default([]),
        choice: z.string().optional(),
        id: z.string().optional(),
      }),
    ]),
  }),
  z.object({
    expect: z.object({
      reply: textMatch.optional(),
      noReply: z.boolean().optional(),
      ticket: z.record(z.string(), z.unknown()).optional(),
      noTicket: z.boolean().optional(),
      /** How many tickets exist (of the story's customer, when there is one). */
      tickets: z.number().int().nonnegative().optional(),
      /** Fields of the charge of the latest ticket (as computed at close: covered, plan, billedMinutes, package, lines, cents). */
      charge: z.record(z.string(), z.unknown()).nullable().optional(),
      event: z.looseObject({ type: z.string() }).optional(),
      noEvent: z.looseObject({ type: z.string() }).optional(),
    }),
  }),
  z.object({
    advance: z.union([z.string().regex(/^\d+(ms|s|m|h|d)$/), z.object({ to: z.string() })]),
  }),
  z.object({
    staff: z.object({
      as: z.string(),
      do: z.enum(["claim", "reply", "note", "ask", "close", "reopen", "authorize", "ack-page"]),
      ticket: z.string().optional(),
      text: z.string().optional(),
      note: z.string().optional(),
      minutes: z.number().int().optional(),
      category: z.string().optional(),
      plan: z.string().optional(),
      /** Bill a preset package instead of the minutes, with its travel expenses. */
      package: z.string().optional(),
      km: z.number().int().nonnegative().optional(),
      daysOvernight: z.number().int().nonnegative().optional(),
      days: z.number().int().nonnegative().optional(),
      salesRep: z.string().optional(),
      expectError: z.string().optional(),
    }),
  }),
  z.object({ redeliver: z.literal("last") }),
  z.object({ restart: z.literal(true) }),
]);

export const storySchema = z.looseObject({
  name: z.string().optional(),
  policy: z.string(),
  at: z.string(),
  channel: z.enum(["whatsapp", "telegram", "email", "local"]).default("whatsapp"),
  ai: z.boolean().optional(),
  customer: z
    .looseObject({
      phone: z.string().optional(),
      telegram: z.string().optional(),
      email: z.string().optional(),
      company: z.string(),
      contactName: z.string().optional(),
      language: z.enum(["it", "en"]).default("it"),
      plans: z.array(z.string()).default([]),
      salesRep: z.string().optional(),
      purchases: z
        .array(
          z.looseObject({ item: z.string(), date: z.string(), warrantyMonths: z.number().int().positive() }),
        )
        .default([]),
    })
    .optional(),
  sender: z.string().optional(),
  onCall: z.array(z.looseObject({ as: z.string(), from: z.string(), to: z.string() })).default([]),
  steps: z.array(stepSchema).min(1),
});
export type Story = z.infer<typeof storySchema>;

export interface StoryResult {
  file: string;
  name: string;
  ok: boolean;
  failures: string[];
  transcript: { at: string; who: "customer" | "bot" | "staff"; text: string; choices?: string[] }[];
  events: { type: string; ticket: string | null; at: string; [k: string]: unknown }[];
}

/** Parses a story file; throws with the file and the field path on a malformed story. */
export function readStory(file: string): Story {
  const raw = parseYaml(readFileSync(file, "utf8")) as unknown;
  const parsed = storySchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("\n");
    throw new Error(`${file}: not a valid story\n${issues}`);
  }
  return parsed.data;
}

/** Story files under a path (a file, or every .yaml/.yml in a folder, sorted). */
export function storyFiles(path: string): string[] {
  const full = resolve(path);
  if (statSync(full).isDirectory()) {
    return readdirSync(full)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => join(full, f));
  }
  return [full];
}

const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Checks that `actual` contains every key/value of `expected` (deeply; arrays by index). */
export function subsetMismatch(expected: unknown, actual: unknown, path = ""): string | null {
  if (expected === null || typeof expected !== "object") {
    return expected === actual
      ? null
      : `${path || "value"}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
  }
  if (actual === null || typeof actual !== "object")
    return `${path || "value"}: expected an object, got ${JSON.stringify(actual)}`;
  for (const [key, value] of Object.entries(expected as Record<string, unknown>)) {
    const mismatch = subsetMismatch(
      value,
      (actual as Record<string, unknown>)[key],
      path ? `${path}.${key}` : key,
    );
    if (mismatch) return mismatch;
  }
  return null;
}

export interface PlayOptions {
  db: Database;
  /** Offline triage used by the runtime (the same one `npm start` uses). */
  offlineTriage?: (description: string) => TriageSuggestion;
  detectLanguage?: (text: string) => "it" | "en" | null;
  assist?: AssistPort | null;
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
    new SupportRuntime({
      db,
      policy,
      clock,
      logger: silentLogger,
      channels: [channel],
      ...(options.offlineTriage ? { offlineTriage: options.offlineTriage } : {}),
      ...(options.detectLanguage ? { detectLanguage: options.detectLanguage } : {}),
      ...(options.assist ? { assist: options.assist } : {}),
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
    const customer = await store.createCustomer(db.prisma, {
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
    });
    customerId = customer.id;
    // E-mail customers are found by their address, as the e-mail adapter's senders are.
    if (channelName !== "email") await store.linkIdentity(db.prisma, customer.id, channelName, senderId);
  }
  for (const shift of story.onCall) {
    const tech = await store.upsertTechnician(db.prisma, { name: shift.as });
    await store.addShift(db.prisma, {
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
    const rows = await store.listTicketRows(db.prisma, {});
    const mine = customerId ? rows.filter((r) => r.customerId === customerId) : rows;
    return (
      mine[0] ?? (await db.prisma.ticket.findFirst({ where: { chatId }, orderBy: { createdAt: "desc" } }))
    );
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
        await store.upsertTechnician(db.prisma, { name: s.as });
        const ticket = s.ticket ?? (await latestTicket())?.number;
        if (!ticket) {
          failures.push(`${where}: staff ${s.do} but there is no ticket`);
          continue;
        }
        const by = { name: s.as };
        let action: StaffAction;
        switch (s.do) {
          case "close":
            action = {
              type: "close",
              ticket,
              by,
              minutes: s.minutes ?? 0,
              resolution: s.note ?? s.text ?? "",
              ...(s.category ? { category: s.category } : {}),
              ...(s.plan ? { plan: s.plan } : {}),
              ...(s.package
                ? {
                    billing: {
                      package: s.package,
                      ...(s.km !== undefined ? { km: s.km } : {}),
                      ...(s.daysOvernight !== undefined ? { daysOvernight: s.daysOvernight } : {}),
                      ...(s.days !== undefined ? { days: s.days } : {}),
                    },
                  }
                : {}),
            };
            break;
          case "reply":
          case "note":
          case "ask":
            action = { type: s.do, ticket, by, text: s.text ?? s.note ?? "" };
            break;
          case "authorize":
            action = { type: "authorize", ticket, by, salesRep: s.salesRep ?? "" };
            break;
          case "reopen":
            action = { type: "reopen", ticket, by, ...(s.text ? { reason: s.text } : {}) };
            break;
          default:
            action = { type: s.do, ticket, by } as StaffAction;
        }
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
        const e = step.expect;
        const replies = window.map((m) =>
          // Intl puts no-break spaces in money ("80,00 €"); stories are written with plain ones.
          (
            m.text + (m.choices ? `\n${m.choices.map((ch, i) => `${i + 1}. ${ch.label}`).join("\n")}` : "")
          ).replace(/[\u00a0\u202f]/g, " "),
        );
        const shown = replies.length
          ? replies.map((r) => `    > ${r.replaceAll("\n", "\n      ")}`).join("\n")
          : "    (no reply)";
        if (e.reply) {
          const r = e.reply as { contains?: string; matches?: string; notContains?: string };
          if (r.contains !== undefined && !replies.some((t) => t.includes(r.contains!))) {
            failures.push(
              `${where}: expected a reply containing ${JSON.stringify(r.contains)}; replies were:\n${shown}`,
            );
          }
          if (r.matches !== undefined && !replies.some((t) => new RegExp(r.matches!, "s").test(t))) {
            failures.push(`${where}: expected a reply matching /${r.matches}/; replies were:\n${shown}`);
          }
          if (r.notContains !== undefined && replies.some((t) => t.includes(r.notContains!))) {
            failures.push(
              `${where}: expected no reply containing ${JSON.stringify(r.notContains)}; replies were:\n${shown}`,
            );
          }
        }
        if (e.noReply && replies.length > 0)
          failures.push(`${where}: expected no reply; replies were:\n${shown}`);
        if (e.tickets !== undefined) {
          const rows = await store.listTicketRows(db.prisma, {});
          const count = customerId ? rows.filter((r) => r.customerId === customerId).length : rows.length;
          if (count !== e.tickets) failures.push(`${where}: expected ${e.tickets} ticket(s), found ${count}`);
        }
        if (e.charge !== undefined) {
          const row = await latestTicket();
          const stored = row
            ? (JSON.parse(row.coverage) as { charge?: Record<string, unknown> }).charge
            : undefined;
          const actual = row?.chargeGrossCents === null || !row ? null : (stored ?? {});
          if (e.charge === null) {
            if (actual !== null) failures.push(`${where}: expected no charge, got ${JSON.stringify(actual)}`);
          } else {
            const mismatch = actual === null ? "no charge yet" : subsetMismatch(e.charge, actual);
            if (mismatch) failures.push(`${where}: charge: ${mismatch}`);
          }
        }
        if (e.ticket || e.noTicket) {
          const row = await latestTicket();
          if (e.noTicket && row) failures.push(`${where}: expected no ticket, found ${row.number}`);
          if (e.ticket) {
            if (!row) failures.push(`${where}: expected a ticket, there is none`);
            else {
              const actual = {
                ...row,
                coverage: JSON.parse(row.coverage),
                charge:
                  row.chargeGrossCents === null
                    ? null
                    : {
                        netCents: row.chargeNetCents,
                        vatCents: row.chargeVatCents,
                        grossCents: row.chargeGrossCents,
                      },
              };
              const mismatch = subsetMismatch(e.ticket, actual);
              if (mismatch) failures.push(`${where}: ticket ${row.number}: ${mismatch}`);
            }
          }
        }
        if (e.event) {
          const candidates = events.filter((ev) => ev.type === e.event!.type);
          if (!candidates.some((ev) => subsetMismatch(e.event, ev) === null)) {
            const seen = candidates.length
              ? candidates.map((ev) => `    ${JSON.stringify(ev)}`).join("\n")
              : `    (none; events so far: ${events.map((ev) => ev.type).join(", ") || "none"})`;
            failures.push(
              `${where}: expected event ${JSON.stringify(e.event)}; ${e.event.type} events:\n${seen}`,
            );
          }
        }
        if (e.noEvent && events.some((ev) => subsetMismatch(e.noEvent, ev) === null)) {
          failures.push(`${where}: expected no event ${JSON.stringify(e.noEvent)}`);
        }
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
