/**
 * The hot path's statements, built with the query builder and compiled once, bind each value to
 * its own column: every test gives the parameters of a statement distinct values (two chats on
 * one channel, two channels with one chat id), so a value bound in another's place reads or
 * writes the wrong row. Also the statements compiled per shape (an UPDATE's columns, a list's
 * filters, an `IN` list's length). SQLite, or PostgreSQL with SPORTELLO_TEST_DB=postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer, linkIdentity } from "../../src/data/customerStore.js";
import { markDeliveryFailed, outboundBodiesSince } from "../../src/data/sqlMessages.js";
import { setTicketColumns, updateTicket } from "../../src/data/sqlTickets.js";
import * as store from "../../src/data/supportStore.js";
import type { TicketRow } from "../../src/data/ticketStore.js";
import { theRow } from "../support/rows.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

let t: TestDatabase;
let customerId: string;
const at = (minute: number) => new Date(Date.UTC(2027, 2, 30, 8, minute));

beforeAll(async () => {
  t = await createTestDatabase();
  customerId = await t.db.transaction(async (tx) => {
    const c = await createCustomer(tx, { company: "Bar Roma", language: "it", verified: true });
    return c.id;
  });
  await linkIdentity(t.db, customerId, "telegram", "sender-1");
});

afterAll(async () => {
  await t?.drop();
});

async function openTicket(
  number: string,
  chatId: string,
  minute: number,
  channel = "telegram",
  owner?: string,
) {
  return t.db.transaction((tx) =>
    store.createTicket(tx, {
      number,
      policy: "leotron",
      status: "open",
      category: null,
      priority: "normal",
      blocking: false,
      description: number,
      coverage: {},
      customerId: owner ?? customerId,
      channel,
      chatId,
      salesRep: null,
      callbackDueAt: null,
      at: at(minute),
    }),
  );
}

async function say(channel: string, chatId: string, text: string, minute: number, ticketId?: string) {
  return t.db.transaction((tx) =>
    store.queueOutbound(tx, { channel, chatId, text, body: {}, at: at(minute), ticketId: ticketId ?? null }),
  );
}

describe("hot path statements", () => {
  let first: TicketRow;
  let second: TicketRow;

  beforeAll(async () => {
    first = await openTicket("LT-2027-00001", "chat-a", 0);
    second = await openTicket("LT-2027-00002", "chat-b", 1);
  });

  it("updates a ticket's given columns, checked against its version, and only that ticket", async () => {
    const conflict = () => new Error("conflict");
    await t.db.transaction((tx) =>
      updateTicket(tx, first.id, 0, { status: "claimed", minutes: 15, claimedAt: at(5) }, conflict),
    );
    await t.db.transaction((tx) => updateTicket(tx, first.id, 1, { minutes: 20, blocking: true }, conflict));
    await expect(
      t.db.transaction((tx) => updateTicket(tx, first.id, 1, { minutes: 99 }, conflict)),
    ).rejects.toThrow("conflict");
    const row = await theRow(t.db, "Ticket", `"id" = ?`, first.id);
    expect(row).toMatchObject({
      status: "claimed",
      minutes: 20,
      blocking: true,
      claimedAt: at(5),
      version: 2,
    });
    expect(await theRow(t.db, "Ticket", `"id" = ?`, second.id)).toMatchObject({ status: "open", version: 0 });

    await t.db.transaction((tx) =>
      setTicketColumns(tx, second.id, { category: "hardware", salesRep: "Mario" }),
    );
    await t.db.transaction((tx) => setTicketColumns(tx, second.id, {}));
    expect(await theRow(t.db, "Ticket", `"id" = ?`, second.id)).toMatchObject({
      category: "hardware",
      salesRep: "Mario",
      version: 2,
    });
  });

  it("lists tickets by each combination of filters", async () => {
    const numbers = async (filter: Parameters<typeof store.listTicketRows>[1]) =>
      (await store.listTicketRows(t.db, filter)).map((r) => r.number);
    expect(await numbers({})).toEqual(["LT-2027-00002", "LT-2027-00001"]);
    expect(await numbers({ status: "claimed" })).toEqual(["LT-2027-00001"]);
    expect(await numbers({ statusNot: "claimed" })).toEqual(["LT-2027-00002"]);
    expect(await numbers({ assigneeId: null, since: at(1) })).toEqual(["LT-2027-00002"]);
    expect(await numbers({ assigneeId: "nobody" })).toEqual([]);
    expect(await numbers({ statusNot: "closed", take: 1 })).toEqual(["LT-2027-00002"]);
  });

  it("reads a sender's customer, purchases and open tickets through the channel identity", async () => {
    const found = await t.db.session((tx) => store.knownSender(tx, "telegram", "sender-1"));
    expect(found?.customer).toMatchObject({ id: customerId, company: "Bar Roma", purchases: [] });
    expect(found?.tickets.map((r) => [r.number, r.chatId])).toEqual([
      ["LT-2027-00001", "chat-a"],
      ["LT-2027-00002", "chat-b"],
    ]);
    expect(await t.db.session((tx) => store.knownSender(tx, "sender-1", "telegram"))).toBeNull();

    // Purchases in the order recorded (one row each); a closed ticket is not open.
    const other = await t.db.transaction((tx) =>
      createCustomer(tx, {
        company: "Ferramenta Neri",
        language: "it",
        verified: false,
        purchases: [
          { item: "printer", purchasedOn: "2026-05-01", warrantyMonths: 24 },
          { item: "cash-register", purchasedOn: "2025-01-10", warrantyMonths: 12 },
        ],
      }),
    );
    await linkIdentity(t.db, other.id, "whatsapp", "sender-1");
    const closed = await openTicket("LT-2027-00009", "chat-z", 9, "whatsapp", other.id);
    await t.db.transaction((tx) => updateTicket(tx, closed.id, 0, { status: "closed" }, () => new Error()));
    await openTicket("LT-2027-00010", "chat-y", 10, "whatsapp", other.id);
    const neri = await t.db.session((tx) => store.knownSender(tx, "whatsapp", "sender-1"));
    expect(neri?.customer).toMatchObject({ id: other.id, company: "Ferramenta Neri", verified: false });
    expect(neri?.customer.purchases.map((p) => [p.item, p.warrantyMonths])).toEqual([
      ["printer", 24],
      ["cash-register", 12],
    ]);
    expect(neri?.tickets.map((r) => r.number)).toEqual(["LT-2027-00010"]);
  });

  it("reads an inbound message's state: seen, pending outbox, conversation", async () => {
    await t.db.transaction((tx) =>
      store.storeInbound(tx, {
        channel: "telegram",
        chatId: "chat-a",
        platformMessageId: "p1",
        text: "hi",
        body: {},
        at: at(2),
      }),
    );
    await say("telegram", "chat-b", "pending", 3);
    await t.db.transaction((tx) =>
      store.saveConversation(
        tx,
        { channel: "telegram", chatId: "chat-b", customerId, snapshot: "{}" },
        null,
        () => new Error(),
      ),
    );
    const state = (chatId: string, platformMessageId: string, outbox: boolean) =>
      t.db.session((tx) =>
        store.inboundState(tx, { channel: "telegram", chatId, platformMessageId }, outbox),
      );
    expect(await state("chat-b", "p1", true)).toMatchObject({ seen: true, outboxPending: true });
    expect((await state("chat-b", "p1", true)).conversation).toMatchObject({ chatId: "chat-b", version: 1 });
    expect(await state("chat-a", "p2", true)).toEqual({
      seen: false,
      outboxPending: false,
      conversation: null,
    });
    expect(await state("chat-b", "p2", false)).toMatchObject({ seen: false, outboxPending: false });
  });

  it("escapes a chat prefix and limits the outbound bodies it reads", async () => {
    await say("email", "a_b#1", "one", 10);
    await say("email", "a_b#2", "two", 11);
    await say("email", "axb#1", "not this prefix", 12);
    await say("telegram", "a_b#3", "not this channel", 13);
    const bodies = (limit: number, since = at(0)) =>
      t.db.session((tx) => outboundBodiesSince(tx, "email", "a_b#", since, limit));
    expect(await bodies(10)).toHaveLength(2);
    expect(await bodies(1)).toHaveLength(1);
    expect(await bodies(10, at(11))).toHaveLength(1);
  });

  it("marks a failed delivery on its own row, to retry or for good", async () => {
    const retried = await say("telegram", "chat-c", "retried", 20);
    const failed = await say("telegram", "chat-c", "failed", 21);
    await t.db.transaction((tx) => markDeliveryFailed(tx, retried, "busy", at(30)));
    await t.db.transaction((tx) => markDeliveryFailed(tx, failed, "gone", null));
    expect(await theRow(t.db, "Message", `"id" = ?`, retried)).toMatchObject({
      status: "pending",
      attempts: 1,
      lastError: "busy",
      nextAttemptAt: at(30),
    });
    expect(await theRow(t.db, "Message", `"id" = ?`, failed)).toMatchObject({
      status: "failed",
      lastError: "gone",
      nextAttemptAt: null,
    });
  });

  it("reads a closed ticket's transcript up to its chat's next ticket, and an outbound's ticket", async () => {
    const chat = "chat-t";
    const closed = await openTicket("LT-2027-00003", chat, 40);
    await say("telegram", chat, "before", 39);
    const linked = await say("telegram", chat, "about it", 41, closed.id);
    await say("telegram", chat, "after the close", 45);
    const next = await openTicket("LT-2027-00004", chat, 50);
    await say("telegram", chat, "next ticket", 51);
    const lines = await store.transcript(t.db, { ...closed, closedAt: at(44) });
    expect(lines.map((l) => l.text)).toEqual(["about it", "after the close"]);
    const open = await store.transcript(t.db, { ...next, closedAt: null });
    expect(open.map((l) => l.text)).toEqual(["next ticket"]);

    expect(await store.ticketOfOutbound(t.db, { id: linked, channel: "telegram", chatId: chat })).toEqual({
      id: closed.id,
      number: "LT-2027-00003",
    });
    expect(await store.ticketOfOutbound(t.db, { id: "none", channel: "telegram", chatId: chat })).toEqual({
      id: next.id,
      number: "LT-2027-00004",
    });
    expect(
      await store.ticketOfOutbound(t.db, {
        id: "none",
        channel: "email",
        chatId: chat,
        threadTicket: "LT-2027-00001",
      }),
    ).toEqual({ id: first.id, number: "LT-2027-00001" });
  });

  it("records events and reads them by ticket and instant", async () => {
    await t.db.transaction(async (tx) => {
      await store.recordEvent(tx, {
        ticketId: first.id,
        ticket: first.number,
        type: "ticket.note",
        actor: "Marco",
        payload: { text: "called" },
        at: at(5),
      });
      await store.recordEvent(tx, {
        ticketId: second.id,
        type: "ticket.claimed",
        actor: "Marco",
        payload: { technician: "Marco" },
        at: at(6),
      });
    });
    const ofFirst = await store.listEvents(t.db, { ticketId: first.id });
    expect(ofFirst).toEqual([
      {
        type: "ticket.note",
        ticketId: first.id,
        actor: "Marco",
        payload: { text: "called", ticket: first.number },
        at: at(5),
      },
    ]);
    expect((await store.listEvents(t.db, { since: at(6) })).map((e) => e.type)).toEqual(["ticket.claimed"]);
    expect(await store.listEvents(t.db, { ticketId: second.id, since: at(7) })).toEqual([]);
  });

  it("keeps each desk's reference of a ticket", async () => {
    await store.setTicketDeskRef(t.db, first.number, "slack", { ts: "1" });
    await store.setTicketDeskRef(t.db, first.number, "board", { card: 2 });
    await store.setTicketDeskRef(t.db, first.number, "slack", { ts: "3" });
    expect(await store.ticketDeskRefs(t.db, first.id)).toEqual({ slack: { ts: "3" }, board: { card: 2 } });
    expect(await store.ticketDeskRefs(t.db, second.id)).toEqual({});
  });
});
