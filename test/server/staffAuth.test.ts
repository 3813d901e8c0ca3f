import { describe, expect, it } from "vitest";
import {
  createStaffAuth,
  hashPassword,
  hashToken,
  staffLoginLink,
  verifyPassword,
} from "../../src/desk/board/staffAuth.js";
import { createMemoryCredentialStore } from "../support/fakeWebRuntime.js";

describe("staff credentials", () => {
  it("hashes passwords with a salt and verifies only the right one", async () => {
    const a = await hashPassword("correct horse battery");
    const b = await hashPassword("correct horse battery");
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("correct horse battery", a)).toBe(true);
    expect(await verifyPassword("correct horse batterY", a)).toBe(false);
    expect(await verifyPassword("x", "not-a-hash")).toBe(false);
    expect(await verifyPassword("x", "scrypt$16384$8$1$c2FsdA$")).toBe(false);
  });

  it("refuses short passwords and unknown technicians", async () => {
    const auth = createStaffAuth({ store: createMemoryCredentialStore() });
    await expect(auth.setPassword("Marco", "short")).rejects.toMatchObject({ code: "weak-password" });
    await expect(auth.setPassword("Nobody", "long enough pw")).rejects.toMatchObject({
      code: "unknown-technician",
    });
    await expect(auth.issueToken("Nobody")).rejects.toMatchObject({ code: "unknown-technician" });
    expect(await auth.configured()).toBe(false);
  });

  it("issues a token that logs in, stores only its hash, and a new token replaces the old", async () => {
    const store = createMemoryCredentialStore();
    const auth = createStaffAuth({ store });
    const first = await auth.issueToken("Giulia");
    expect(store.records.get("Giulia")!.tokenHash).toBe(hashToken(first));
    expect(await auth.configured()).toBe(true);
    expect((await auth.loginWithToken(first))?.technician).toEqual({ id: "tech-giulia", name: "Giulia" });
    const second = await auth.issueToken("Giulia");
    expect(await auth.loginWithToken(first)).toBeNull();
    expect(await auth.loginWithToken(second)).not.toBeNull();
    expect(await auth.loginWithToken("../../")).toBeNull();
    store.records.get("Giulia")!.active = false;
    expect(await auth.loginWithToken(second)).toBeNull();
    expect(staffLoginLink("http://localhost:3000/", second)).toBe(
      `http://localhost:3000/staff/login?token=${second}`,
    );
  });

  it("signs sessions: tampering, another secret and expiry are refused", async () => {
    let now = new Date("2026-11-20T10:00:00Z");
    const store = createMemoryCredentialStore();
    const auth = createStaffAuth({ store, sessionSecret: "s1", sessionTtlMs: 60_000, now: () => now });
    await auth.setPassword("Marco", "correct horse battery");
    const session = await auth.loginWithPassword("Marco", "correct horse battery");
    expect(session).toMatchObject({ mode: "password", technician: { name: "Marco" } });
    expect(await auth.loginWithPassword("Marco", "wrong")).toBeNull();
    expect(await auth.loginWithPassword("Giulia", "correct horse battery")).toBeNull();
    const cookie = auth.sign(session!);
    expect(auth.verify(cookie)).toEqual(session);
    const [payload, mac] = cookie.split(".");
    const other = Buffer.from(
      JSON.stringify({ ...session, technician: { id: "x", name: "Giulia" } }),
    ).toString("base64url");
    expect(auth.verify(`${other}.${mac}`)).toBeNull();
    expect(auth.verify(`${payload}.${mac}.x`)).toBeNull();
    expect(auth.verify(undefined)).toBeNull();
    const elsewhere = createStaffAuth({ store, sessionSecret: "s2", now: () => now });
    expect(elsewhere.verify(cookie)).toBeNull();
    now = new Date("2026-11-20T10:01:01Z");
    expect(auth.verify(cookie)).toBeNull();
  });
});
