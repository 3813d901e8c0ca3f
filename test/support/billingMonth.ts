/**
 * A month of billing (May 2029) across the three presets, closed through the real
 * {@link SupportRuntime}: reopened tickets, J-System allowances per intervention and per month, a
 * warranty repair with transport, parts, a package with travel, companies whose names look like
 * spreadsheet formulas. Each close's message to the customer is kept, so a test can check the
 * statement against what customers were told. Expected figures are written by hand in the tests.
 */

import { composeRuntime } from "../../src/app/composeRuntime.js";
import { LocalChannel } from "../../src/channels/local/localChannel.js";
import type { Database } from "../../src/data/database.js";
import * as store from "../../src/data/supportStore.js";
import type { StaffAction } from "../../src/desk/port.js";
import { silentLogger } from "../../src/observability/logger.js";
import { decideCoverage } from "../../src/policy/coverage.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";
import type { Policy } from "../../src/policy/schema.js";
import { SimulatedClock } from "../../src/runtime/clock.js";
import type { SupportRuntime } from "../../src/runtime/supportRuntime.js";

export const BILLING_CUSTOMERS = {
  A: { company: "Bar Roma", plans: ["standard", "j-system"], policy: "leotron", language: "it" },
  B: { company: "@SUM(1+1)", plans: [], policy: "leotron", language: "it" },
  C: { company: "Ottica Blu", plans: ["standard", "j-system"], policy: "leotron-web", language: "en" },
  D: {
    company: '=HYPERLINK("http://evil.example/?x","click")',
    plans: [],
    policy: "leghorn",
    language: "it",
  },
  E: { company: "+cmd|' /C calc'!A0", plans: [], policy: "leotron", language: "it" },
} as const;
export type BillingCustomer = keyof typeof BILLING_CUSTOMERS;

type Close = Omit<Extract<StaffAction, { type: "close" }>, "type" | "ticket" | "by" | "resolution">;

export interface BillingTicket {
  id: string;
  customer: BillingCustomer;
  category: string;
  item?: string;
  openAt: string;
  /** Each close (a reopen comes before every close after the first). */
  closes: { at: string; close: Close; by?: "Marco" | "Lucia" }[];
}

export const BILLING_TICKETS: BillingTicket[] = [
  {
    // Reopened: 45 then 40 minutes, each close charged on its own (leotron: min 1 h): 97,60 € twice.
    id: "b-reopen",
    customer: "B",
    category: "software-usage",
    openAt: "2029-05-02T09:30:00+02:00",
    closes: [
      { at: "2029-05-02T10:30:00+02:00", close: { minutes: 45, mode: "phone" } },
      { at: "2029-05-03T11:00:00+02:00", close: { minutes: 40, mode: "remote" }, by: "Lucia" },
    ],
  },
  {
    // J-System hardware: 75 min (60 covered, 15 over → 1 h), a power supply and transport extra.
    id: "a-hw",
    customer: "A",
    category: "hardware-repair",
    item: "stampante fiscale",
    openAt: "2029-05-07T09:30:00+02:00",
    closes: [
      {
        at: "2029-05-07T12:00:00+02:00",
        close: {
          minutes: 75,
          mode: "office",
          parts: [{ description: "Alimentatore 24 V", cents: 4500 }],
          transportCents: 2000,
        },
      },
    ],
  },
  {
    // Warranty repair of the PC: time covered, transport excluded (doc 002).
    id: "a-warranty",
    customer: "A",
    category: "hardware-repair",
    item: "PC cassa",
    openAt: "2029-05-08T09:30:00+02:00",
    closes: [
      { at: "2029-05-08T11:00:00+02:00", close: { minutes: 30, mode: "office", transportCents: 3000 } },
    ],
  },
  {
    // leotron-web J-System, 120 min a month: 50 covered (70 left).
    id: "c-1",
    customer: "C",
    category: "data-recovery",
    openAt: "2029-05-09T09:30:00+02:00",
    closes: [{ at: "2029-05-09T11:00:00+02:00", close: { minutes: 50, mode: "remote" } }],
  },
  {
    // 90 min: 70 covered, 20 over → 1 h (97,60 €); reopened, 30 min with nothing left → 1 h.
    id: "c-2",
    customer: "C",
    category: "virus-removal",
    openAt: "2029-05-14T09:30:00+02:00",
    closes: [
      { at: "2029-05-14T12:00:00+02:00", close: { minutes: 90, mode: "remote" } },
      { at: "2029-05-15T10:00:00+02:00", close: { minutes: 30, mode: "phone" }, by: "Lucia" },
    ],
  },
  {
    // LeghornGroup on-site day with 120 km and one per diem without overnight stay.
    id: "d-onsite",
    customer: "D",
    category: "other",
    openAt: "2029-05-16T09:30:00+02:00",
    closes: [
      {
        at: "2029-05-17T18:00:00+02:00",
        close: { minutes: 480, mode: "onsite", billing: { package: "onsite-day", km: 120, days: 1 } },
      },
    ],
  },
  {
    // LeghornGroup hourly, first 15 min free, 15-minute fractions: 50 → 45 min; reopened, 20 → 15 min.
    id: "d-hourly",
    customer: "D",
    category: "other",
    openAt: "2029-05-21T09:30:00+02:00",
    closes: [
      { at: "2029-05-21T11:00:00+02:00", close: { minutes: 50, mode: "phone" } },
      { at: "2029-05-22T11:00:00+02:00", close: { minutes: 20, mode: "phone" } },
    ],
  },
  {
    // Closed in June in Rome: not in May.
    id: "e-june",
    customer: "E",
    category: "software-usage",
    openAt: "2029-05-31T18:00:00+02:00",
    closes: [{ at: "2029-06-01T00:30:00+02:00", close: { minutes: 30 } }],
  },
  {
    id: "e-may",
    customer: "E",
    category: "software-usage",
    openAt: "2029-05-28T10:00:00+02:00",
    closes: [{ at: "2029-05-28T11:30:00+02:00", close: { minutes: 100, mode: "remote" } }],
  },
];

/** What one close told the customer (the message text) and the close's place in its ticket. */
export interface ToldClose {
  ticket: string;
  id: string;
  session: number;
  customer: BillingCustomer;
  text: string;
}

export interface BilledMonth {
  policies: Record<string, Policy>;
  customers: Record<BillingCustomer, { id: string; code: string }>;
  numbers: Record<string, string>;
  told: ToldClose[];
  stop(): Promise<void>;
}

/** Seeds and works the month in `db`; `presets` may replace a bundled preset (same id). */
export async function billMonth(db: Database, presets: Policy[] = []): Promise<BilledMonth> {
  const clock = new SimulatedClock("2029-04-30T09:00:00+02:00");
  const policies: Record<string, Policy> = {};
  const runtimes: Record<string, SupportRuntime> = {};
  for (const id of ["leotron", "leotron-web", "leghorn"]) {
    policies[id] = presets.find((p) => p.id === id) ?? loadPolicy(id);
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
    });
    await runtimes[id]!.start();
  }
  const techs = {
    Marco: { id: (await store.upsertTechnician(db, { name: "Marco" })).id },
    Lucia: { id: (await store.upsertTechnician(db, { name: "Lucia" })).id },
  };
  const customers = {} as BilledMonth["customers"];
  for (const [key, c] of Object.entries(BILLING_CUSTOMERS) as [
    BillingCustomer,
    (typeof BILLING_CUSTOMERS)[BillingCustomer],
  ][]) {
    const record = await db.transaction((tx) =>
      store.createCustomer(tx, {
        company: c.company,
        contactName: `Contact ${key}`,
        phone: `+3933311100${key.charCodeAt(0)}`,
        email: `${key.toLowerCase()}@example.com`,
        language: c.language,
        plans: [...c.plans],
        verified: true,
        salesRep: null,
        purchases: key === "A" ? [{ item: "PC cassa", purchasedOn: "2028-12-01", warrantyMonths: 12 }] : [],
      }),
    );
    await db.transaction((tx) => store.linkIdentity(tx, record.id, "telegram", `chat-${key}`));
    customers[key] = { id: record.id, code: record.code };
  }

  const numbers: Record<string, string> = {};
  const told: ToldClose[] = [];
  type Op = { at: string; order: number; run: () => Promise<void> };
  const ops: Op[] = [];
  let order = 0;
  for (const spec of BILLING_TICKETS) {
    const c = BILLING_CUSTOMERS[spec.customer];
    const policy = policies[c.policy]!;
    const runtime = runtimes[c.policy]!;
    const act = async (at: string, action: Parameters<SupportRuntime["perform"]>[0]) => {
      clock.set(at);
      const result = await runtime.perform(action);
      if (!result.ok) throw new Error(`${spec.id} ${action.type} at ${at}: ${result.message}`);
    };
    ops.push({
      at: spec.openAt,
      order: order++,
      run: async () => {
        clock.set(spec.openAt);
        const at = new Date(spec.openAt);
        const coverage = decideCoverage(policy, {
          plans: [...c.plans],
          category: spec.category,
          at,
          ...(spec.item ? { item: spec.item } : {}),
          purchases:
            spec.customer === "A"
              ? [{ item: "PC cassa", purchasedOn: "2028-12-01", warrantyMonths: 12 }]
              : [],
        });
        const number = await db.transaction((tx) => store.nextTicketNumber(tx, policy.ticketPrefix, 2029));
        await db.transaction((tx) =>
          store.createTicket(tx, {
            number,
            policy: policy.id,
            status: "open",
            category: spec.category,
            priority: "normal",
            blocking: false,
            description: `problema ${spec.id}`,
            coverage,
            customerId: customers[spec.customer].id,
            channel: "telegram",
            chatId: `chat-${spec.customer}`,
            salesRep: null,
            callbackDueAt: null,
            at,
          }),
        );
        numbers[spec.id] = number;
        await act(spec.openAt, { type: "claim", ticket: number, by: techs.Marco });
      },
    });
    spec.closes.forEach((close, i) => {
      ops.push({
        at: close.at,
        order: order++,
        run: async () => {
          const number = numbers[spec.id]!;
          const by = techs[close.by ?? "Marco"];
          if (i > 0) await act(close.at, { type: "reopen", ticket: number, by, reason: "di nuovo" });
          await act(close.at, {
            type: "close",
            ticket: number,
            by,
            resolution: `risolto ${spec.id} (${i + 1})`,
            ...close.close,
          });
          const messages = await store.chatTranscript(db, "telegram", `chat-${spec.customer}`);
          const closing = messages.filter(
            (m) =>
              m.direction === "out" && m.text.includes(number) && /è stata chiusa|was closed/.test(m.text),
          );
          told.push({
            ticket: number,
            id: spec.id,
            session: i + 1,
            customer: spec.customer,
            text: closing[closing.length - 1]?.text ?? "",
          });
        },
      });
    });
  }
  ops.sort((a, b) => new Date(a.at).getTime() - new Date(b.at).getTime() || a.order - b.order);
  for (const op of ops) await op.run();
  return {
    policies,
    customers,
    numbers,
    told,
    async stop() {
      for (const runtime of Object.values(runtimes)) await runtime.stop();
    },
  };
}
