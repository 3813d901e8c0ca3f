/**
 * Staff access service on the real store (SQLite, or PostgreSQL with SPORTELLO_TEST_DB=postgres):
 * hashes, one-time links used concurrently, sessions revoked by disable, roles.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createStaffAccessStore,
  setTechnicianIdentity,
  technicianIdentities,
} from "../../src/data/staffAccessStore.js";
import { hashPassword, hashToken, verifyPassword } from "../../src/desk/board/passwords.js";
import { createStaffAuth, type StaffAuth, staffInviteLink } from "../../src/desk/board/staffAuth.js";
import { theRow } from "../support/rows.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

let t: TestDatabase;
let now = new Date("2026-11-25T10:00:00Z");
let auth: StaffAuth;

beforeAll(async () => {
  t = await createTestDatabase();
  auth = createStaffAuth({ store: createStaffAccessStore(t.db), now: () => now });
});
afterAll(async () => {
  await t?.drop();
});

describe("passwords", () => {
  it("hashes with a salt and verifies only the right one", async () => {
    const a = await hashPassword("correct horse battery");
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(a).not.toBe(await hashPassword("correct horse battery"));
    expect(await verifyPassword("correct horse battery", a)).toBe(true);
    expect(await verifyPassword("correct horse batterY", a)).toBe(false);
    expect(await verifyPassword("x", "not-a-hash")).toBe(false);
    expect(await verifyPassword("x", "scrypt$16384$8$1$c2FsdA$")).toBe(false);
  });
});

describe("staff access", () => {
  it("stores only hashes; a link is used once even when two browsers race", async () => {
    await createStaffAccessStore(t.db).create("Marco", "technician");
    const { token, expiresAt } = await auth.issueInvite("marco");
    expect(expiresAt.toISOString()).toBe("2026-11-26T10:00:00.000Z");
    const row = await theRow(t.db, "StaffInvite");
    expect(row.tokenHash).toBe(hashToken(token));
    const results = await Promise.allSettled([
      auth.acceptInvite(token, "first passphrase!"),
      auth.acceptInvite(token, "second passphrase"),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: { code: "invite-used" } });
    const identity = await theRow(t.db, "TechnicianIdentity", `"desk" = 'board'`);
    expect(identity.externalId).toBe("marco");
    expect(identity.secretHash).toMatch(/^scrypt\$/);
    expect(staffInviteLink("http://localhost:3000/", token)).toBe(
      `http://localhost:3000/staff/invite?token=${token}`,
    );
  });

  it("refuses weak passwords, unknown technicians and expired links", async () => {
    await createStaffAccessStore(t.db).create("Giulia", "technician");
    const { token } = await auth.issueInvite("Giulia");
    await expect(auth.acceptInvite(token, "short")).rejects.toMatchObject({ code: "weak-password" });
    await expect(auth.acceptInvite(token, "giulia")).rejects.toMatchObject({ code: "weak-password" });
    // Long enough but common or guessable (dictionaries of zxcvbn-ts, Italian ones too).
    for (const guessable of [
      "password12",
      "Password123!",
      "qwertyuiop",
      "juventus2024",
      "ciaociao123",
      "giulia2026!",
    ])
      await expect(auth.acceptInvite(token, guessable), guessable).rejects.toMatchObject({
        code: "common-password",
      });
    await expect(auth.issueInvite("Nobody")).rejects.toMatchObject({ code: "unknown-technician" });
    now = new Date("2026-11-26T10:00:01Z");
    await expect(auth.acceptInvite(token, "a fine passphrase")).rejects.toMatchObject({
      code: "invite-expired",
    });
    await expect(auth.inspectInvite("not a token")).rejects.toMatchObject({ code: "invite-invalid" });
  });

  it("disable ends sessions and pending links; sessions follow role changes", async () => {
    const issued = await auth
      .login("Marco", "first passphrase!")
      .then(async (s) => s ?? (await auth.login("Marco", "second passphrase")));
    expect(issued?.session.technician).toMatchObject({ name: "Marco", role: "technician" });
    await auth.setRole("Marco", "admin");
    expect((await auth.resolve(issued!.token))?.technician.role).toBe("admin");
    const pending = await auth.issueInvite("Giulia");
    await auth.disable("Marco");
    await auth.disable("Giulia");
    expect(await auth.resolve(issued!.token)).toBeNull();
    await expect(auth.inspectInvite(pending.token)).rejects.toMatchObject({ code: "invite-invalid" });
    const list = await auth.list();
    expect(list.map((a) => [a.name, a.active, a.role, a.sessions])).toEqual([
      ["Giulia", false, "technician", 0],
      ["Marco", false, "admin", 0],
    ]);
    now = new Date(now.getTime() + 13 * 3600 * 1000);
  });

  it("keeps each desk's identity in its own record, one owner per identity", async () => {
    const store = createStaffAccessStore(t.db);
    const anna = await store.create("Anna", "technician");
    const luca = await store.create("Luca", "technician");
    await setTechnicianIdentity(t.db, anna.id, "slack", "UANNA");
    await setTechnicianIdentity(t.db, anna.id, "email", "Anna@Example.com");
    await expect(setTechnicianIdentity(t.db, luca.id, "slack", "UANNA")).rejects.toMatchObject({
      code: "identity-taken",
    });
    expect((await technicianIdentities(t.db)).get(anna.id)).toMatchObject({
      slack: "UANNA",
      email: "anna@example.com",
    });
  });

  it("creates a first admin only on an empty install", async () => {
    await expect(auth.createFirstAdmin("Mallory")).rejects.toMatchObject({ code: "not-first-technician" });
  });
});
