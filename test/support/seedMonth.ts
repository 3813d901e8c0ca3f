/**
 * A month of support (March 2027) across the three presets, for the statement, report and
 * personal-data tests. Customers and their tickets are stored as the intake stores them (coverage
 * decided by the policy engine), then every claim, close and reopen goes through the real
 * {@link SupportRuntime} of the ticket's preset, so the charges on the tickets are the ones the
 * product computes. Expected figures are written by hand in the tests, not derived from here.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { DomainEventName, DomainEvents } from "../../flows/domainEvents.js";
import { composeRuntime } from "../../src/app/composeRuntime.js";
import { LocalChannel } from "../../src/channels/local/localChannel.js";
import type { Database } from "../../src/data/database.js";
import * as store from "../../src/data/supportStore.js";
import { silentLogger } from "../../src/observability/logger.js";
import { decideCoverage } from "../../src/policy/coverage.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";
import type { Policy } from "../../src/policy/schema.js";
import { SimulatedClock } from "../../src/runtime/clock.js";
import type { SupportRuntime } from "../../src/runtime/supportRuntime.js";

export type CustomerKey = "A" | "B" | "C" | "D";

/** An event of the month about a ticket: a domain event's name with its payload. */
type SeededEvent = {
  [N in DomainEventName]: { type: N; payload: DomainEvents[N]; actor?: string };
}[DomainEventName];

/** Customers of the month: A and B on leotron, C on leotron-web, D on leghorn. */
export const CUSTOMERS: Record<
  CustomerKey,
  { company: string; contactName: string; phone: string; email: string; plans: string[]; policy: string }
> = {
  A: {
    company: "Bar Roma",
    contactName: "Giulia Verdi",
    phone: "+393331110001",
    email: "giulia@barroma.example",
    plans: ["standard", "j-system"],
    policy: "leotron",
  },
  B: {
    company: "Ferramenta Neri",
    contactName: "Paolo Neri",
    phone: "+393331110002",
    email: "paolo@neri.example",
    plans: [],
    policy: "leotron",
  },
  C: {
    company: "Ottica Blu",
    contactName: "Sara Blu",
    phone: "+393331110003",
    email: "sara@otticablu.example",
    plans: ["standard", "j-system"],
    policy: "leotron-web",
  },
  D: {
    company: "Porto Logistics",
    contactName: "Anna Bianchi",
    phone: "+393331110004",
    email: "anna@porto.example",
    plans: [],
    policy: "leghorn",
  },
};

export interface TicketSpec {
  id: string;
  customer: CustomerKey;
  category: string;
  openAt: string;
  claimAt?: string;
  closeAt?: string;
  minutes?: number;
  /** Closed once with `minutes`, reopened at `reopenAt`, closed again at `closeAgainAt` with `finalMinutes`. */
  reopen?: { reopenAt: string; closeAgainAt: string; finalMinutes: number };
  feedback?: { rating: number; comment: string | null };
}

export const TICKETS: TicketSpec[] = [
  // February: not in the March statement.
  {
    id: "b-feb",
    customer: "B",
    category: "software-usage",
    openAt: "2027-02-26T10:00:00+01:00",
    claimAt: "2027-02-26T10:30:00+01:00",
    closeAt: "2027-02-26T16:00:00+01:00",
    minutes: 70,
  },
  // Closed at 00:30 on 1 March in Rome (still 28 February in UTC): in March.
  {
    id: "d-free",
    customer: "D",
    category: "other",
    openAt: "2027-02-28T23:00:00+01:00",
    claimAt: "2027-03-01T00:10:00+01:00",
    closeAt: "2027-03-01T00:30:00+01:00",
    minutes: 10,
  },
  {
    id: "c-1",
    customer: "C",
    category: "virus-removal",
    openAt: "2027-03-02T10:00:00+01:00",
    claimAt: "2027-03-02T10:05:00+01:00",
    closeAt: "2027-03-02T11:00:00+01:00",
    minutes: 50,
    feedback: { rating: 5, comment: "Velocissimi" },
  },
  {
    id: "a-lunch",
    customer: "A",
    category: "os-network-drivers",
    openAt: "2027-03-09T12:30:00+01:00",
    claimAt: "2027-03-09T15:00:00+01:00",
    closeAt: "2027-03-09T16:00:00+01:00",
    minutes: 45,
    feedback: { rating: 4, comment: null },
  },
  {
    id: "c-2",
    customer: "C",
    category: "virus-removal",
    openAt: "2027-03-10T10:00:00+01:00",
    claimAt: "2027-03-10T10:30:00+01:00",
    closeAt: "2027-03-10T11:00:00+01:00",
    minutes: 50,
  },
  {
    id: "a-weekend",
    customer: "A",
    category: "data-recovery",
    openAt: "2027-03-12T18:00:00+01:00",
    claimAt: "2027-03-15T09:30:00+01:00",
    closeAt: "2027-03-15T12:00:00+01:00",
    minutes: 100,
  },
  {
    id: "a-std",
    customer: "A",
    category: "software-usage",
    openAt: "2027-03-16T09:00:00+01:00",
    claimAt: "2027-03-16T09:20:00+01:00",
    closeAt: "2027-03-16T10:00:00+01:00",
    minutes: 30,
  },
  {
    id: "b-reopen",
    customer: "B",
    category: "peripheral-setup",
    openAt: "2027-03-17T10:00:00+01:00",
    claimAt: "2027-03-17T10:10:00+01:00",
    closeAt: "2027-03-17T11:00:00+01:00",
    minutes: 70,
    reopen: {
      reopenAt: "2027-03-17T11:30:00+01:00",
      closeAgainAt: "2027-03-17T12:00:00+01:00",
      finalMinutes: 20,
    },
    feedback: { rating: 2, comment: "Ci è voluto troppo" },
  },
  {
    id: "c-3",
    customer: "C",
    category: "data-recovery",
    openAt: "2027-03-18T10:00:00+01:00",
    claimAt: "2027-03-18T10:15:00+01:00",
    closeAt: "2027-03-18T11:00:00+01:00",
    minutes: 40,
  },
  {
    id: "d-paid",
    customer: "D",
    category: "other",
    openAt: "2027-03-22T10:00:00+01:00",
    claimAt: "2027-03-22T10:40:00+01:00",
    closeAt: "2027-03-22T14:00:00+01:00",
    minutes: 50,
  },
  {
    id: "c-4",
    customer: "C",
    category: "virus-removal",
    openAt: "2027-03-24T10:00:00+01:00",
    claimAt: "2027-03-24T10:20:00+01:00",
    closeAt: "2027-03-24T11:00:00+01:00",
    minutes: 30,
  },
  // Still open at the end of the month.
  { id: "a-open", customer: "A", category: "email-setup", openAt: "2027-03-25T10:00:00+01:00" },
  // Friday before Easter and the DST change, claimed on Tuesday.
  {
    id: "b-easter",
    customer: "B",
    category: "software-usage",
    openAt: "2027-03-26T17:00:00+01:00",
    claimAt: "2027-03-30T10:00:00+02:00",
    closeAt: "2027-03-30T11:30:00+02:00",
    minutes: 70,
  },
  // Closed at 00:30 on 1 April in Rome (31 March in UTC): not in March.
  {
    id: "b-april",
    customer: "B",
    category: "software-usage",
    openAt: "2027-03-31T18:00:00+02:00",
    claimAt: "2027-03-31T18:10:00+02:00",
    closeAt: "2027-04-01T00:30:00+02:00",
    minutes: 30,
  },
];

export interface SeededMonth {
  policies: Record<string, Policy>;
  customers: Record<CustomerKey, { id: string; code: string }>;
  /** Ticket number by spec id. */
  numbers: Record<string, string>;
  runtimes: Record<string, SupportRuntime>;
  clock: SimulatedClock;
  /** Stored files of customer A (media folder), by name. */
  files: Record<string, string>;
  stop(): Promise<void>;
}

type Op = { at: string; order: number; run: () => Promise<void> };

/**
 * Seeds the month into `db`; customer files go to `<dataDir>/media`. `onEvents` listens to the
 * runtimes' committed events (metrics).
 */
export async function seedMonth(
  db: Database,
  dataDir: string,
  options: { onEvents?: ConstructorParameters<typeof SupportRuntime>[0]["onEvents"] } = {},
): Promise<SeededMonth> {
  const clock = new SimulatedClock("2027-02-01T00:00:00+01:00");
  const policies: Record<string, Policy> = {};
  const runtimes: Record<string, SupportRuntime> = {};
  for (const id of ["leotron", "leotron-web", "leghorn"]) {
    policies[id] = loadPolicy(id);
    // The production composition, without the offline classifier and language guess: the
    // seeded tickets keep the categories the script gives them.
    runtimes[id] = composeRuntime({
      db,
      policy: policies[id]!,
      clock,
      logger: silentLogger,
      channels: [new LocalChannel({ as: "telegram", now: () => clock.now() })],
      offlineTriage: null,
      detectLanguage: null,
      ...(options.onEvents ? { onEvents: options.onEvents } : {}),
    });
    await runtimes[id]!.start();
  }
  const tech = await store.upsertTechnician(db, { name: "Marco" });
  const by = { id: tech.id };

  const customers = {} as SeededMonth["customers"];
  for (const [key, c] of Object.entries(CUSTOMERS) as [CustomerKey, (typeof CUSTOMERS)[CustomerKey]][]) {
    const record = await db.transaction((tx) =>
      store.createCustomer(tx, {
        company: c.company,
        contactName: c.contactName,
        phone: c.phone,
        email: c.email,
        language: "it",
        plans: c.plans,
        verified: true,
        salesRep: key === "D" ? "Mario Rossi" : null,
        purchases: key === "A" ? [{ item: "PC cassa", purchasedOn: "2026-06-01", warrantyMonths: 12 }] : [],
      }),
    );
    await db.transaction((tx) => store.linkIdentity(tx, record.id, "telegram", `chat-${key}`));
    customers[key] = { id: record.id, code: record.code };
  }

  // Customer A's chat: messages with a photo and a document kept in the media folder.
  const mediaDir = path.join(dataDir, "media");
  await mkdir(mediaDir, { recursive: true });
  const files: Record<string, string> = {};
  for (const [ref, content] of [
    ["a1b2-screen.png", "PNG bytes of Bar Roma's screen"],
    ["c3d4-invoice.pdf", "PDF bytes of Bar Roma's invoice"],
  ] as const) {
    await writeFile(path.join(mediaDir, ref), content);
    files[ref] = content;
  }

  const numbers: Record<string, string> = {};
  const ops: Op[] = [];
  let order = 0;
  for (const spec of TICKETS) {
    const c = CUSTOMERS[spec.customer];
    const policy = policies[c.policy]!;
    const runtime = runtimes[c.policy]!;
    ops.push({
      at: spec.openAt,
      order: order++,
      run: async () => {
        const at = new Date(spec.openAt);
        const coverage = decideCoverage(policy, {
          plans: c.plans,
          category: spec.category,
          at,
          usedThisMonthMinutes: 0,
        });
        const year = Number(spec.openAt.slice(0, 4));
        // Through the production path: the runtime's own transaction and SQL.
        const number = await db.transaction((tx) => store.nextTicketNumber(tx, policy.ticketPrefix, year));
        const row = await db.transaction(async (tx) => {
          const created = await store.createTicket(tx, {
            number,
            policy: policy.id,
            status: "open",
            category: spec.category,
            priority: "normal",
            blocking: false,
            description: `${c.company}: problema ${spec.id}, chiamare ${c.contactName} al ${c.phone}`,
            coverage,
            customerId: customers[spec.customer].id,
            channel: "telegram",
            chatId: `chat-${spec.customer}`,
            salesRep: spec.customer === "D" ? "Mario Rossi" : null,
            callbackDueAt: null,
            at,
          });
          await store.recordEvent(tx, {
            ticketId: created.id,
            type: "ticket.opened",
            actor: "customer",
            payload: {
              number,
              category: spec.category,
              priority: "normal",
              blocking: false,
              status: "open",
              coverage: { ...coverage },
            },
            at,
          });
          return created;
        });
        const attachments =
          spec.id === "a-lunch"
            ? [
                { kind: "image", name: "screen.png", mime: "image/png", ref: "a1b2-screen.png" },
                { kind: "document", name: "invoice.pdf", mime: "application/pdf", ref: "c3d4-invoice.pdf" },
              ]
            : [];
        await db.transaction((tx) =>
          store.storeInbound(tx, {
            channel: "telegram",
            chatId: `chat-${spec.customer}`,
            platformMessageId: `m-${spec.id}`,
            text: `${c.contactName}: problema ${spec.id}, il mio numero è ${c.phone}`,
            body: attachments.length ? { attachments } : {},
            at,
            ticketId: row.id,
          }),
        );
        numbers[spec.id] = number;
      },
    });
    const act = async (at: string, action: Parameters<SupportRuntime["perform"]>[0]) => {
      clock.set(at);
      const result = await runtime.perform(action);
      if (!result.ok) throw new Error(`${spec.id} ${action.type} at ${at}: ${result.message}`);
    };
    if (spec.claimAt) {
      ops.push({
        at: spec.claimAt,
        order: order++,
        run: () => act(spec.claimAt!, { type: "claim", ticket: numbers[spec.id]!, by }),
      });
    }
    if (spec.closeAt && spec.minutes !== undefined) {
      ops.push({
        at: spec.closeAt,
        order: order++,
        run: async () => {
          await act(spec.closeAt!, {
            type: "close",
            ticket: numbers[spec.id]!,
            by,
            minutes: spec.minutes!,
            resolution: `risolto ${spec.id}`,
          });
          if (spec.feedback && !spec.reopen) await feedback(spec);
        },
      });
    }
    if (spec.reopen) {
      const r = spec.reopen;
      ops.push({
        at: r.reopenAt,
        order: order++,
        run: () => act(r.reopenAt, { type: "reopen", ticket: numbers[spec.id]!, by, reason: "di nuovo" }),
      });
      ops.push({
        at: r.closeAgainAt,
        order: order++,
        run: async () => {
          await act(r.closeAgainAt, { type: "claim", ticket: numbers[spec.id]!, by }).catch(() => undefined);
          await act(r.closeAgainAt, {
            type: "close",
            ticket: numbers[spec.id]!,
            by,
            minutes: r.finalMinutes,
            resolution: `risolto di nuovo ${spec.id}`,
          });
          if (spec.feedback) await feedback(spec);
        },
      });
    }
  }

  async function feedback(spec: TicketSpec): Promise<void> {
    const row = await store.findTicket(db, numbers[spec.id]!);
    await db.transaction((tx) =>
      store.recordFeedback(tx, {
        ticketId: row!.id,
        rating: spec.feedback!.rating,
        comment: spec.feedback!.comment,
        at: clock.now(),
      }),
    );
  }

  ops.sort((a, b) => new Date(a.at).getTime() - new Date(b.at).getTime() || a.order - b.order);
  for (const op of ops) await op.run();

  // SLA outcomes of the month, as the runtime's timers and desks record them.
  const event = async (id: string, at: string, e: SeededEvent) => {
    const row = await store.findTicket(db, numbers[id]!);
    await db.transaction((tx) =>
      store.recordEvent(tx, { ...e, ticketId: row!.id, actor: e.actor ?? null, at: new Date(at) }),
    );
  };
  const escalation = (id: string): SeededEvent => {
    const spec = TICKETS.find((t) => t.id === id)!;
    const minutes = policies[CUSTOMERS[spec.customer].policy]!.sla.escalateUnclaimedAfterServiceMinutes;
    return { type: "ticket.escalated", payload: { afterServiceMinutes: minutes } };
  };
  await event("a-weekend", "2027-03-15T09:00:00+01:00", escalation("a-weekend"));
  await event("d-paid", "2027-03-23T10:00:00+01:00", { type: "ticket.callback-overdue", payload: {} });
  await event("a-weekend", "2027-03-13T09:05:00+01:00", {
    type: "oncall.paged",
    payload: { technician: "Marco", repeat: 0 },
  });
  await event("a-weekend", "2027-03-13T09:12:00+01:00", {
    type: "oncall.acknowledged",
    payload: {},
    actor: "Marco",
  });
  await event("a-open", "2027-03-25T12:00:00+01:00", escalation("a-open"));

  return {
    policies,
    customers,
    numbers,
    runtimes,
    clock,
    files,
    async stop() {
      for (const runtime of Object.values(runtimes)) await runtime.stop();
    },
  };
}
