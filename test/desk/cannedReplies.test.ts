/**
 * Canned replies: the presets' reply files load and fill their placeholders in the customer's
 * language; a broken file is refused with the field path; on the staff board a technician gets
 * them rendered for a ticket and sends a file to the customer, relayed by the real runtime.
 * SQLite, or PostgreSQL with SPORTELLO_TEST_DB=postgres.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contactPerson } from "../../flows/conversation/identityAnswers.js";
import type { LocalChannel } from "../../src/channels/local/localChannel.js";
import { createWebChannel, type WebChannel } from "../../src/channels/web/webChannel.js";
import { createStaffAccessStore } from "../../src/data/staffAccessStore.js";
import * as store from "../../src/data/supportStore.js";
import { createStaffAuth } from "../../src/desk/board/staffAuth.js";
import { type CannedReplyService, createCannedReplyService } from "../../src/desk/cannedReplyService.js";
import type { TicketView } from "../../src/desk/port.js";
import { silentLogger } from "../../src/observability/logger.js";
import { createMetrics } from "../../src/observability/metrics.js";
import { cannedRepliesFile, loadCannedReplies, renderCannedReply } from "../../src/policy/cannedReplies.js";
import { decideCoverage } from "../../src/policy/coverage.js";
import { listPresets, loadPolicy, PolicyError } from "../../src/policy/loadPolicy.js";
import { SimulatedClock } from "../../src/runtime/clock.js";
import type { SupportRuntime } from "../../src/runtime/supportRuntime.js";
import { createHttpServer, type HttpServer } from "../../src/server/httpServer.js";
import { signedInSession, technicianWithPassword } from "../support/boardAgent.js";
import { createHarness } from "../support/harness.js";
import { memoryMediaStore } from "../support/memoryMediaStore.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

describe("canned reply files", () => {
  it("every bundled preset has replies in both languages, and only known placeholders", () => {
    for (const preset of listPresets()) {
      const replies = loadCannedReplies(preset);
      expect(replies.length, preset).toBeGreaterThan(0);
      for (const r of replies) {
        for (const language of ["it", "en"] as const) {
          const text = renderCannedReply(r, language, {
            customer: "Giulia",
            company: "Bar Roma",
            ticket: "LT-2027-00042",
            technician: "Marco",
            nextOpening: "martedì 30 marzo alle 09:00",
          });
          expect(text, `${preset}/${r.key}/${language}`).not.toMatch(/[{}]/);
        }
      }
    }
  });

  it("refuses an unknown placeholder and a duplicate key with the field path", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "sportello-replies-"));
    try {
      const preset = path.join(dir, "mine.yaml");
      expect(cannedRepliesFile(preset)).toBe(path.join(dir, "replies", "mine.yaml"));
      expect(loadCannedReplies(preset)).toEqual([]);
      await mkdir(path.join(dir, "replies"));
      await writeFile(
        path.join(dir, "replies", "mine.yaml"),
        [
          "replies:",
          "  - { key: hello, title: { it: Ciao, en: Hello }, text: { it: 'Ciao {cliente}', en: 'Hi {customer}' } }",
          "  - { key: hello, title: { it: Ciao, en: Hello }, text: { it: 'Ciao', en: 'Hi' } }",
        ].join("\n"),
      );
      let error: unknown;
      try {
        loadCannedReplies(preset);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(PolicyError);
      expect((error as Error).message).toContain("replies[0].text.it: unknown placeholder {cliente}");
      expect((error as Error).message).toContain('replies[1].key: duplicate key "hello"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("canned replies fit the customer", () => {
  const policy = loadPolicy("leotron");
  const ticketOf = (customer: Partial<TicketView["customer"]>) =>
    ({
      number: "LT-2026-00042",
      customer: {
        id: "c1",
        code: "C1",
        company: "Hotel Lido",
        contactName: null,
        phone: null,
        email: null,
        language: "en",
        plans: [],
        verified: false,
        ...customer,
      },
    }) as TicketView;
  const service = (ticket: TicketView) =>
    createCannedReplyService({
      policy,
      replies: loadCannedReplies("leotron"),
      getTicket: async () => ticket,
      now: () => new Date("2026-12-07T19:00:00+01:00"),
    });

  it("inserts the person's name only, never the contact line with their address, in both languages", async () => {
    const ticket = ticketOf({ contactName: "John Smith, john@example.com", email: "john@example.com" });
    const en = await service(ticket).render(ticket.number, "backup-first");
    expect(en!.text).toMatch(/^Hello John Smith, before we work on ticket LT-2026-00042/);
    const it_ = await service({ ...ticket, customer: { ...ticket.customer, language: "it" } }).render(
      ticket.number,
      "update-software",
    );
    expect(it_!.text).toMatch(/^Ciao John Smith, l'assistenza/);
  });

  it("promises a call only to a customer who gave a phone number; an e-mail-only customer is written to", async () => {
    const emailOnly = ticketOf({ contactName: "John Smith, john@example.com", email: "john@example.com" });
    const call = await service(emailOnly).render(emailOnly.number, "call-soon", "Marco");
    expect(call!.text).toBe(
      "Hi John Smith, this is Marco; I took ticket LT-2026-00042 and will write to you shortly at the e-mail address you gave us. If you would rather have a call, reply with your number.",
    );
    expect(call!.text).not.toContain("call you shortly");
    const queued = await service({
      ...emailOnly,
      customer: { ...emailOnly.customer, language: "it" },
    }).render(emailOnly.number, "next-opening");
    expect(queued!.text).toBe(
      "Ciao John Smith, il ticket LT-2026-00042 è in coda: l'assistenza riapre domani, martedì 8 dicembre, alle 09:00 e un tecnico ti scriverà.",
    );
    const withPhone = ticketOf({ contactName: "Maria Rossi - tel. 333 1234567", language: "it" });
    expect((await service(withPhone).render(withPhone.number, "call-soon", "Marco"))!.text).toBe(
      "Ciao Maria Rossi, sono Marco e ho preso in carico il ticket LT-2026-00042: ti chiamo a breve al numero che ci hai lasciato.",
    );
  });

  it("reads the name out of the usual contact lines", () => {
    const cases: [string | null, string | null][] = [
      ["John Smith, john@example.com", "John Smith"],
      ["Maria Rossi - tel. 333 1234567", "Maria Rossi"],
      ["Maria Rossi 333 1234567", "Maria Rossi"],
      ["maria@example.com (Maria)", "Maria"],
      ["Giulia", "Giulia"],
      ["Luca Bianchi; email: luca@example.com", "Luca Bianchi"],
      ["john@example.com", null],
      [null, null],
    ];
    for (const [line, name] of cases) expect(contactPerson(line), String(line)).toBe(name);
  });
});

describe("canned replies and files on the staff board", () => {
  let t: TestDatabase;
  let runtime: SupportRuntime;
  let server: HttpServer;
  let webChannel: WebChannel;
  let telegram: LocalChannel;
  let dataDir: string;
  let replies: CannedReplyService;
  let cookie: string;
  let csrf: string;
  let number: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    dataDir = await mkdtemp(path.join(tmpdir(), "sportello-canned-"));
    // Tuesday 30 March 2027, 13:30: lunch break, support reopens at 14:30.
    const clock = new SimulatedClock("2027-03-30T13:30:00+02:00");
    const policy = loadPolicy("leotron");
    webChannel = createWebChannel({ dataDir, now: () => clock.now() });
    const h = await createHarness({
      database: t,
      policy,
      clock,
      channels: ["telegram", webChannel],
      mediaStore: memoryMediaStore(),
    });
    runtime = h.runtime;
    telegram = h.local("telegram");
    const tech = await store.upsertTechnician(t.db, { name: "Marco" });
    const customer = await t.db.transaction((tx) =>
      store.createCustomer(tx, {
        company: "Bar Roma",
        contactName: "Giulia",
        phone: "+393331110001",
        language: "en",
        plans: ["standard"],
        verified: true,
      }),
    );
    number = await t.db.transaction((tx) => store.nextTicketNumber(tx, "LT", 2027));
    await t.db.transaction((tx) =>
      store.createTicket(tx, {
        number,
        policy: "leotron",
        status: "open",
        category: "software-usage",
        priority: "normal",
        blocking: false,
        description: "the till does not print",
        coverage: decideCoverage(policy, {
          plans: ["standard"],
          category: "software-usage",
          at: clock.now(),
        }),
        customerId: customer.id,
        channel: "telegram",
        chatId: "777",
        salesRep: null,
        callbackDueAt: null,
        at: clock.now(),
      }),
    );
    expect((await runtime.perform({ type: "claim", ticket: number, by: { id: tech.id } })).ok).toBe(true);
    replies = createCannedReplyService({
      policy,
      replies: loadCannedReplies("leotron"),
      getTicket: (n) => runtime.getTicket(n),
      now: () => clock.now(),
    });
    await technicianWithPassword(t.db, "Marco", "marco-password-1");
    const staffAuth = createStaffAuth({ store: createStaffAccessStore(t.db) });
    server = createHttpServer({
      port: 0,
      host: "127.0.0.1",
      webChannel,
      staffActions: runtime,
      health: async () => ({ db: { reachable: true }, channels: {} }),
      metrics: createMetrics({ defaultMetrics: false }),
      logger: silentLogger,
      staffAuth,
      publicUrl: "http://board.example",
      cannedReplies: replies,
    });
    await server.app.ready();
    ({ cookie, csrf } = await signedInSession(server.app, "Marco", "marco-password-1", "203.0.113.5"));
  });

  afterAll(async () => {
    await server?.stop();
    await runtime?.stop();
    await webChannel?.stop();
    await t?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("renders the replies for the ticket in the customer's language with its placeholders", async () => {
    const r = await server.app.inject({
      method: "GET",
      url: `/staff/api/tickets/${number}/replies`,
      remoteAddress: "203.0.113.5",
      headers: { cookie },
    });
    expect(r.statusCode).toBe(200);
    const list = r.json().replies as { key: string; title: string; text: string }[];
    const next = list.find((x) => x.key === "next-opening")!;
    expect(next.title).toBe("When we reopen");
    expect(next.text).toBe(
      `Hi Giulia, ticket ${number} is in the queue: support reopens today at 14:30 and a technician will call you back.`,
    );
    expect(list.find((x) => x.key === "call-soon")!.text).toContain("this is Marco");
    const unknown = await server.app.inject({
      method: "GET",
      url: "/staff/api/tickets/LT-2027-99999/replies",
      remoteAddress: "203.0.113.5",
      headers: { cookie },
    });
    expect(unknown.statusCode).toBe(404);
    const anonymous = await server.app.inject({
      method: "GET",
      url: `/staff/api/tickets/${number}/replies`,
      remoteAddress: "203.0.113.5",
    });
    expect(anonymous.statusCode).toBe(401);
  });

  it("sends a file from the board to the customer, and refuses a cross-site or token-less upload", async () => {
    const boundary = "----sportello";
    const body = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="text"',
      "",
      "Here is the driver",
      `--${boundary}`,
      'Content-Disposition: form-data; name="file"; filename="driver.pdf"',
      "Content-Type: application/pdf",
      "",
      "%PDF-1.4 fake driver",
      `--${boundary}--`,
      "",
    ].join("\r\n");
    const headers = {
      cookie,
      "content-type": `multipart/form-data; boundary=${boundary}`,
      host: "board.example",
      origin: "http://board.example",
    };
    const upload = (extra: Record<string, string>) =>
      server.app.inject({
        method: "POST",
        url: `/staff/api/tickets/${number}/files`,
        remoteAddress: "203.0.113.5",
        headers: { ...headers, ...extra },
        payload: body,
      });
    const sent = await upload({ "x-csrf-token": csrf });
    expect(sent.statusCode, sent.body).toBe(200);
    await expect
      .poll(() => telegram.sent.find((m) => m.attachments?.some((a) => a.name === "driver.pdf")))
      .toBeTruthy();
    const message = telegram.sent.find((m) => m.attachments?.some((a) => a.name === "driver.pdf"))!;
    expect(message.text).toContain("Here is the driver");
    const delivered = telegram.sent.length;
    // The board's guards: a cross-site page, a token-less or forged request, no session.
    const crossSite = await upload({ origin: "https://evil.example", "x-csrf-token": csrf });
    expect(crossSite.statusCode).toBe(403);
    expect(crossSite.json().error.code).toBe("cross-origin");
    const fetchedCrossSite = await upload({ "sec-fetch-site": "cross-site", "x-csrf-token": csrf });
    expect(fetchedCrossSite.json().error.code).toBe("cross-origin");
    const noToken = await upload({});
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json().error.code).toBe("csrf-invalid");
    const forged = await upload({ "x-csrf-token": `${csrf.slice(0, -2)}xx` });
    expect(forged.json().error.code).toBe("csrf-invalid");
    const anonymous = await server.app.inject({
      method: "POST",
      url: `/staff/api/tickets/${number}/files`,
      remoteAddress: "203.0.113.5",
      headers: { "content-type": headers["content-type"], host: headers.host, origin: headers.origin },
      payload: body,
    });
    expect(anonymous.statusCode).toBe(401);
    expect(telegram.sent).toHaveLength(delivered);
  });
});
