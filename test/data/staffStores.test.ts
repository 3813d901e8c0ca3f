/**
 * The staff, rota, pager, mail-thread and delivery-receipt stores on a real database (SQLite or
 * PostgreSQL): each value lands in its own column and each condition gets its own argument, so
 * a statement binding its parameters in the wrong order fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noteSentIds, receiptOf, recordReceipt } from "../../src/data/deliveryReceiptStore.js";
import { createMailThreadStore } from "../../src/data/mailStore.js";
import * as pager from "../../src/data/pagerStore.js";
import * as rota from "../../src/data/rotaStore.js";
import { createStaffAccessStore } from "../../src/data/staffAccessStore.js";
import { addShift, createTechnician, findTechnician, listShifts } from "../../src/data/technicianStore.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await createTechnician(t.db, { id: "tech-anna", name: "Anna", role: "admin", phone: "+390611" });
  await createTechnician(t.db, { id: "tech-bruno", name: "Bruno", role: "technician" });
});
afterAll(async () => t.drop());

const at = (hour: number) => new Date(Date.UTC(2027, 2, 1, hour));

describe("technicians and shifts", () => {
  it("creates a technician with the given id, role and phone", async () => {
    expect(await findTechnician(t.db, { id: "tech-anna" })).toMatchObject({ name: "Anna", phone: "+390611" });
    const staff = createStaffAccessStore(t.db);
    expect(await staff.findById("tech-anna")).toMatchObject({
      role: "admin",
      active: true,
      hasPassword: false,
    });
    expect(await staff.findById("tech-bruno")).toMatchObject({ role: "technician", active: true });
  });

  it("lists the shifts overlapping a window, not those before or after it", async () => {
    const shift = await addShift(t.db, { technicianId: "tech-bruno", startsAt: at(10), endsAt: at(12) });
    expect(shift).toMatchObject({ startsAt: at(10), endsAt: at(12), technician: { name: "Bruno" } });
    expect((await listShifts(t.db, at(9), at(11))).map((s) => s.id)).toEqual([shift.id]);
    expect(await listShifts(t.db, at(12), at(13))).toEqual([]);
    expect(await listShifts(t.db, at(8), at(10))).toEqual([]);
  });
});

describe("rota", () => {
  it("keeps each weekly slot's day, times and position", async () => {
    await t.db.transaction((tx) =>
      rota.replaceWeekly(tx, [
        { technicianId: "tech-anna", weekday: 3, startTime: "08:00", endTime: "14:00", position: 1 },
        { technicianId: "tech-bruno", weekday: 3, startTime: "08:00", endTime: "14:00", position: 0 },
      ]),
    );
    const slots = await t.db.session((tx) => rota.weeklySlots(tx));
    expect(slots.map((s) => [s.technician, s.weekday, s.startTime, s.endTime, s.position])).toEqual([
      ["Bruno", 3, "08:00", "14:00", 0],
      ["Anna", 3, "08:00", "14:00", 1],
    ]);
  });

  it("names whom a swap replaces, within the window only", async () => {
    const id = await t.db.transaction((tx) =>
      rota.addShift(tx, {
        technicianId: "tech-anna",
        startsAt: at(20),
        endsAt: at(22),
        replacesId: "tech-bruno",
      }),
    );
    const [shift] = await t.db.session((tx) => rota.shiftsBetween(tx, at(21), at(23)));
    expect(shift).toMatchObject({
      id,
      technician: "Anna",
      replaces: "Bruno",
      startsAt: at(20),
      endsAt: at(22),
    });
    expect(await t.db.session((tx) => rota.shiftsBetween(tx, at(22), at(23)))).toEqual([]);
    expect(await t.db.transaction((tx) => rota.removeShift(tx, id))).toBe(true);
  });
});

describe("pager", () => {
  it("finds technicians by any of several kinds of contact, whatever the address's case", async () => {
    await t.db.transaction((tx) =>
      pager.replaceContacts(
        tx,
        "tech-bruno",
        [
          { kind: "email", address: "Bruno@Example.com", linkCode: null },
          { kind: "telegram", address: null, linkCode: "LINK42" },
        ],
        at(1),
      ),
    );
    const found = await t.db.session((tx) =>
      pager.membersByContact(tx, ["sms", "email"], "bruno@example.COM"),
    );
    expect(found.map((m) => m.id)).toEqual(["tech-bruno"]);
    expect(await t.db.session((tx) => pager.membersByContact(tx, ["sms"], "bruno@example.com"))).toEqual([]);
    const contacts = await t.db.session((tx) => pager.contactsOf(tx, "tech-bruno"));
    expect(contacts.map((c) => [c.position, c.kind, c.address, c.linkCode])).toEqual([
      [0, "email", "Bruno@Example.com", null],
      [1, "telegram", null, "LINK42"],
    ]);
    const waiting = await t.db.session((tx) => pager.contactByLinkCode(tx, "LINK42"));
    await t.db.transaction((tx) => pager.linkContact(tx, waiting!.id, "chat-7"));
    expect(await t.db.session((tx) => pager.contactByLinkCode(tx, "LINK42"))).toBeNull();
  });

  it("moves a page only from the step it is at, and records who acknowledged it", async () => {
    const id = await t.db.transaction((tx) =>
      pager.createPage(tx, { subject: "ticket", ticket: "42", text: "help", at: at(2) }),
    );
    expect(await t.db.transaction((tx) => pager.advancePage(tx, id, 0, 2))).toBe(true);
    expect(await t.db.transaction((tx) => pager.advancePage(tx, id, 0, 1))).toBe(false);
    await t.db.transaction((tx) =>
      pager.addAttempt(tx, {
        pageId: id,
        step: 2,
        technicianId: "tech-bruno",
        technician: "Bruno",
        kind: "voice",
        address: "+3906",
        outcome: "sent",
        error: null,
        ref: "CA-1",
        at: at(3),
      }),
    );
    expect(await t.db.session((tx) => pager.attemptByRef(tx, "CA-1"))).toMatchObject({
      pageId: id,
      step: 2,
      kind: "voice",
      address: "+3906",
      at: at(3),
    });
    expect((await t.db.session((tx) => pager.openPageReaching(tx, "tech-bruno")))?.id).toBe(id);
    const ack = { by: "Bruno", via: "voice", at: at(4) };
    expect(await t.db.transaction((tx) => pager.endPage(tx, id, "acknowledged", ack))).toBe(true);
    expect(await t.db.session((tx) => pager.findPage(tx, id))).toMatchObject({
      status: "acknowledged",
      step: 2,
      ackedBy: "Bruno",
      ackedVia: "voice",
      ackedAt: at(4),
    });
  });
});

describe("staff sessions", () => {
  it("revokes a technician's other sessions, keeping the one named", async () => {
    const staff = createStaffAccessStore(t.db);
    const expiresAt = new Date(Date.now() + 3_600_000);
    for (const tokenHash of ["keep", "drop"])
      await staff.createSession({ technicianId: "tech-anna", tokenHash, mode: "password", expiresAt });
    expect(await staff.revokeSessions("tech-anna", new Date(), "keep")).toBe(1);
    expect((await staff.findSession("keep"))?.revokedAt).toBeNull();
    expect((await staff.findSession("drop"))?.revokedAt).toBeInstanceOf(Date);
    expect((await staff.liveSessions(new Date())).get("tech-anna")).toBe(1);
  });
});

describe("mail threads and receipts", () => {
  it("finds a thread by any of several Message-IDs", async () => {
    const mail = createMailThreadStore(t.db);
    await mail.noteOutbound({ chatId: "c1", address: "a@x", subject: "Hi", messageId: "<root@x>" });
    await mail.noteInbound({ chatId: "c1", address: "a@x", subject: "Re: Hi", messageId: "<r1@x>" });
    const thread = await mail.threadOfMessage(["<other@x>", "<root@x>"]);
    expect(thread).toMatchObject({ chatId: "c1", rootMessageId: "<root@x>", lastMessageId: "<r1@x>" });
    expect(thread?.references).toEqual(["<root@x>", "<r1@x>"]);
  });

  it("reads a thread from a mail listing thousands of Message-IDs (the first and the latest count)", async () => {
    const mail = createMailThreadStore(t.db);
    await mail.noteOutbound({ chatId: "c3", address: "b@x", subject: "Hi", messageId: "<root3@x>" });
    const forged = Array.from({ length: 5000 }, (_, i) => `<noise${i}@x>`);
    expect(await mail.threadOfMessage([...forged, "<root3@x>"])).toMatchObject({ chatId: "c3" });
    expect(await mail.threadOfMessage(["<root3@x>", ...forged])).toMatchObject({ chatId: "c3" });
    expect(await mail.threadOfMessage(forged)).toBeNull();
  });

  it("never moves a status back, and keeps a failure's error", async () => {
    await noteSentIds(
      t.db,
      [{ channel: "wa", chatId: "c2", platformMessageId: "wamid.1", messageId: "m1" }],
      at(5),
    );
    const receipt = { channel: "wa", chatId: "c2", platformMessageId: "wamid.1" };
    await recordReceipt(t.db, { ...receipt, status: "read", at: at(6) });
    await recordReceipt(t.db, { ...receipt, status: "delivered", at: at(7) });
    expect(await receiptOf(t.db, "m1")).toEqual({ status: "read", error: null });
    const failed = await recordReceipt(t.db, { ...receipt, status: "failed", error: "gone", at: at(8) });
    expect(failed).toEqual({ messageId: "m1", newlyFailed: true });
    expect(await receiptOf(t.db, "m1")).toEqual({ status: "failed", error: "gone" });
  });
});
