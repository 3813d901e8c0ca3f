/**
 * Staff access over HTTP on the real staff access store (test database): one-time invite links,
 * password sign-in, sessions that end when a technician is disabled, the localhost and public
 * modes, roles, CSRF, the Host allow-list and throttling behind a proxy.
 */
import { afterEach, describe, expect, it } from "vitest";
import { requireAdmin, STAFF_COOKIE } from "../../src/server/boardAuth.js";
import { type BoardAgent, boardAgent } from "../support/boardAgent.js";
import { countOf } from "../support/rows.js";
import { startWebStack, type WebStack, type WebStackOptions } from "../support/webStack.js";

const REMOTE = "203.0.113.7";
const PUBLIC = "https://support.example.com";
const PUBLIC_HOST = { host: "support.example.com" };

let stack: WebStack | null = null;
afterEach(async () => {
  await stack?.close();
  stack = null;
});

async function start(options: WebStackOptions = {}) {
  stack = await startWebStack({ listen: false, ...options });
  return stack;
}

/** A remote browser of a public-mode server. */
function remote(s: WebStack, address = REMOTE): BoardAgent {
  return boardAgent(s.server.app, { remoteAddress: address, headers: PUBLIC_HOST });
}

async function inviteToken(s: WebStack, name: string, purpose: "invite" | "reset" = "invite") {
  return (await s.staffAuth.issueInvite(name, purpose)).token;
}

describe("password strength on the invite page", () => {
  it("refuses a common password with a clear message in the technician's language, then takes a good one", async () => {
    const s = await start({ publicUrl: PUBLIC });
    const token = await inviteToken(s, "Giulia");
    const browser = boardAgent(s.server.app, {
      remoteAddress: REMOTE,
      headers: { ...PUBLIC_HOST, "accept-language": "it-IT" },
    });
    const from = `/staff/invite?token=${token}`;
    const page = await browser.request({ url: from });
    expect(page.body).toContain("tre o quattro parole a caso");
    const weak = await browser.form(
      "/staff/invite",
      { token, password: "password12", confirm: "password12" },
      { from },
    );
    expect(weak.statusCode).toBe(400);
    expect(weak.body).toContain("Questa password è troppo comune o facile da indovinare");
    // The link is still good: the next, better password is taken.
    const good = "lampada verde sul tetto";
    expect(
      (await browser.form("/staff/invite", { token, password: good, confirm: good }, { from })).statusCode,
    ).toBe(303);
  });
});

describe("invite links", () => {
  it("work once: the technician chooses a password, is signed in, and the link is then refused", async () => {
    const s = await start({ publicUrl: PUBLIC });
    const token = await inviteToken(s, "Giulia");
    const browser = remote(s);
    // Opening the link (or a chat app's preview of it) does not use it up.
    for (let i = 0; i < 2; i++) {
      const page = await browser.request({ url: `/staff/invite?token=${token}` });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain("Giulia");
      expect(page.headers["cache-control"]).toBe("no-store");
    }
    const short = await browser.form(
      "/staff/invite",
      { token, password: "short", confirm: "short" },
      { from: `/staff/invite?token=${token}` },
    );
    expect(short.statusCode).toBe(400);
    const mismatch = await browser.form(
      "/staff/invite",
      { token, password: "a long passphrase", confirm: "another passphrase" },
      { from: `/staff/invite?token=${token}` },
    );
    expect(mismatch.statusCode).toBe(400);
    const accepted = await browser.form(
      "/staff/invite",
      { token, password: "giulia's long passphrase", confirm: "giulia's long passphrase" },
      { from: `/staff/invite?token=${token}` },
    );
    expect(accepted.statusCode).toBe(303);
    expect(accepted.headers.location).toBe("/staff");
    const me = await browser.request({ url: "/staff/api/me" });
    expect(me.json()).toEqual({ name: "Giulia", role: "technician", mode: "invite" });

    // The same link a second time, from another browser: refused, and no session.
    const other = remote(s, "198.51.100.20");
    const again = await other.request({ url: `/staff/invite?token=${token}` });
    expect(again.statusCode).toBe(410);
    expect(again.body).toContain("already used");
    const reuse = await other.form(
      "/staff/invite",
      { token, password: "mallory's passphrase", confirm: "mallory's passphrase" },
      { from: "/staff/login" },
    );
    expect(reuse.statusCode).toBe(410);
    expect(other.cookies.has(STAFF_COOKIE)).toBe(false);
    // The password chosen through the link is the one that works.
    expect((await remote(s, "198.51.100.21").login("Giulia", "giulia's long passphrase")).statusCode).toBe(
      303,
    );
    expect((await remote(s, "198.51.100.22").login("Giulia", "mallory's passphrase")).statusCode).toBe(401);
  });

  it("expire (24 h), and a newer link replaces an older one", async () => {
    let now = new Date("2026-11-25T10:00:00Z");
    const s = await start({ publicUrl: PUBLIC, now: () => now });
    const first = await inviteToken(s, "Marco");
    const second = await inviteToken(s, "Marco");
    const browser = remote(s);
    expect((await browser.request({ url: `/staff/invite?token=${first}` })).statusCode).toBe(404);
    expect((await browser.request({ url: `/staff/invite?token=${second}` })).statusCode).toBe(200);
    now = new Date("2026-11-26T10:00:01Z");
    const expired = await browser.request({ url: `/staff/invite?token=${second}` });
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain("expired");
    await expect(s.staffAuth.acceptInvite(second, "a long passphrase")).rejects.toMatchObject({
      code: "invite-expired",
    });
    expect((await browser.request({ url: "/staff/invite?token=garbage" })).statusCode).toBe(404);
  });

  it("a reset link clears the password and ends the technician's sessions", async () => {
    const s = await start({ publicUrl: PUBLIC, passwords: { Marco: "marco's old passphrase" } });
    const browser = remote(s);
    expect((await browser.login("Marco", "marco's old passphrase")).statusCode).toBe(303);
    expect((await browser.request({ url: "/staff/api/me" })).statusCode).toBe(200);
    const token = await inviteToken(s, "Marco", "reset");
    expect((await browser.request({ url: "/staff/api/me" })).statusCode).toBe(401);
    expect((await remote(s, "198.51.100.3").login("Marco", "marco's old passphrase")).statusCode).toBe(401);
    const reset = remote(s, "198.51.100.4");
    const page = await reset.request({ url: `/staff/invite?token=${token}` });
    expect(page.body).toContain("new password");
    const done = await reset.form(
      "/staff/invite",
      { token, password: "marco's new passphrase", confirm: "marco's new passphrase" },
      { from: `/staff/invite?token=${token}` },
    );
    expect(done.statusCode).toBe(303);
  });
});

describe("sessions", () => {
  it("a disabled technician's session stops working at once and they cannot sign in", async () => {
    const s = await start({ publicUrl: PUBLIC, passwords: { Marco: "marco's passphrase" } });
    const browser = remote(s);
    expect((await browser.login("Marco", "marco's passphrase")).statusCode).toBe(303);
    expect((await browser.request({ url: "/staff/api/tickets" })).statusCode).toBe(200);
    await s.staffAuth.disable("Marco");
    const after = await browser.request({ url: "/staff/api/tickets" });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe("login-required");
    expect((await remote(s, "198.51.100.5").login("Marco", "marco's passphrase")).statusCode).toBe(401);
    await s.staffAuth.enable("Marco");
    expect((await remote(s, "198.51.100.6").login("Marco", "marco's passphrase")).statusCode).toBe(303);
  });

  it("logout ends the session on the server, not just in the browser", async () => {
    const s = await start({ publicUrl: PUBLIC, passwords: { Marco: "marco's passphrase" } });
    const browser = remote(s);
    await browser.login("Marco", "marco's passphrase");
    const stolen = browser.cookies.get(STAFF_COOKIE)!;
    const out = await browser.form("/staff/logout", {}, { from: "/staff" });
    expect(out.statusCode).toBe(303);
    const replay = await s.server.app.inject({
      url: "/staff/api/me",
      remoteAddress: REMOTE,
      headers: { ...PUBLIC_HOST, cookie: `${STAFF_COOKIE}=${stolen}` },
    });
    expect(replay.statusCode).toBe(401);
  });

  it("a forged or random cookie is refused", async () => {
    const s = await start({ publicUrl: PUBLIC });
    for (const value of ["x", "a".repeat(43), "../../etc/passwd", "%ED%A0%80"]) {
      const res = await s.server.app.inject({
        url: "/staff/api/me",
        remoteAddress: REMOTE,
        headers: { ...PUBLIC_HOST, cookie: `${STAFF_COOKIE}=${value}` },
      });
      expect(res.statusCode, value).toBe(401);
    }
  });
});

describe("localhost mode (no PUBLIC_URL)", () => {
  it("answers this computer only, even through a proxy running on it", async () => {
    const s = await start();
    for (const url of ["/staff", "/staff/login", "/staff/api/tickets", "/staff/invite?token=x"]) {
      const res = await s.server.app.inject({ url, remoteAddress: REMOTE });
      expect(res.statusCode, url).toBe(403);
      expect(res.json().error.code).toBe("localhost-only");
    }
    const proxied = await s.server.app.inject({
      url: "/staff/login",
      headers: { "x-forwarded-for": REMOTE },
    });
    expect(proxied.statusCode).toBe(403);
  });

  it("a fresh install offers to add the first technician (an admin), explicitly", async () => {
    const s = await start({ freshInstall: true });
    const local = boardAgent(s.server.app);
    const page = await local.request({ url: "/staff/login" });
    expect(page.body).toContain('action="/staff/setup"');
    // Signing in under an unknown name creates nobody.
    expect((await local.login("Mallory", "whatever password")).statusCode).toBe(401);
    expect(await countOf(s.database.db, "Technician")).toBe(0);
    const setup = await local.form("/staff/setup", { name: "Anna Verdi" });
    expect(setup.statusCode).toBe(303);
    const me = await local.request({ url: "/staff/api/me" });
    expect(me.json()).toEqual({ name: "Anna Verdi", role: "admin", mode: "local" });
    // Only the very first one.
    const second = await boardAgent(s.server.app).form("/staff/setup", { name: "Mallory" });
    expect(second.statusCode).toBe(409);
    expect(await countOf(s.database.db, "Technician")).toBe(1);
    // The board asks her to choose a password (needed once PUBLIC_URL is set), in her language.
    const board = await local.request({ url: "/staff", headers: { "accept-language": "it" } });
    expect(board.body).toContain('id="password-prompt"');
    expect(board.body).toContain("Scegli la tua password");
    const prompt = await local.form("/staff/password", {}, { from: "/staff" });
    expect(prompt.statusCode).toBe(303);
    const link = String(prompt.headers.location);
    expect(link).toMatch(/^\/staff\/invite\?token=[\w-]{43}$/);
    const token = new URL(link, "http://x").searchParams.get("token")!;
    const chosen = "anna sceglie una password lunga";
    expect(
      (await local.form("/staff/invite", { token, password: chosen, confirm: chosen }, { from: link }))
        .statusCode,
    ).toBe(303);
    expect((await local.request({ url: "/staff" })).body).not.toContain('id="password-prompt"');
    expect((await boardAgent(s.server.app).login("Anna Verdi", chosen)).statusCode).toBe(303);
  });

  it("never locks anybody out: technicians without a password continue locally, with a password they need it", async () => {
    const s = await start({ passwords: { Marco: "marco's passphrase" } });
    const local = boardAgent(s.server.app);
    const page = await local.request({ url: "/staff/login" });
    expect(page.body).toContain("Giulia");
    expect(page.body).not.toContain("tech-marco");
    const giulia = await local.form("/staff/login/local", { technician: "tech-giulia" });
    expect(giulia.statusCode).toBe(303);
    expect((await local.request({ url: "/staff/api/me" })).json()).toMatchObject({
      name: "Giulia",
      mode: "local",
    });
    const impersonate = await boardAgent(s.server.app).form("/staff/login/local", {
      technician: "tech-marco",
    });
    expect(impersonate.statusCode).toBe(403);
    expect((await boardAgent(s.server.app).login("Marco", "marco's passphrase")).statusCode).toBe(303);
    // Once Giulia sets a password (invite), her local sessions end.
    const token = await inviteToken(s, "Giulia");
    await s.staffAuth.acceptInvite(token, "giulia's passphrase");
    expect((await local.request({ url: "/staff/api/me" })).statusCode).toBe(401);
  });

  it("a local session is worthless from elsewhere", async () => {
    const s = await start();
    const local = boardAgent(s.server.app);
    await local.form("/staff/login/local", { technician: "tech-giulia" });
    const cookie = `${STAFF_COOKIE}=${local.cookies.get(STAFF_COOKIE)}`;
    const proxied = await s.server.app.inject({
      url: "/staff/api/me",
      headers: { cookie, "x-forwarded-for": REMOTE },
    });
    expect(proxied.statusCode).toBe(403);
  });
});

describe("public mode (PUBLIC_URL)", () => {
  it("takes passwords from anywhere and offers no local sign-in", async () => {
    const s = await start({ publicUrl: PUBLIC, passwords: { Marco: "marco's passphrase" } });
    const local = boardAgent(s.server.app, { headers: PUBLIC_HOST });
    const page = await local.request({ url: "/staff/login" });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain("/staff/login/local");
    expect((await local.form("/staff/login/local", { technician: "tech-giulia" })).statusCode).toBe(403);
    expect((await remote(s).login("Marco", "marco's passphrase")).statusCode).toBe(303);
  });
});

describe("roles", () => {
  it("requireAdmin lets admins through and refuses technicians with 403 admin-required", async () => {
    const s = await start({
      publicUrl: PUBLIC,
      passwords: { Marco: "marco's passphrase", Giulia: "giulia's passphrase" },
      roles: { Giulia: "admin" },
      routes: [
        (scope) => {
          scope.post("/staff/api/admin/probe", { preHandler: requireAdmin }, async (req) => ({
            by: req.staff?.technician.name,
          }));
        },
      ],
    });
    const marco = remote(s, "198.51.100.7");
    await marco.login("Marco", "marco's passphrase");
    const giulia = remote(s, "198.51.100.8");
    await giulia.login("Giulia", "giulia's passphrase");
    const call = async (agent: BoardAgent) =>
      agent.request({
        method: "POST",
        url: "/staff/api/admin/probe",
        headers: { "content-type": "application/json", "x-csrf-token": await agent.csrf("/staff") },
        payload: "{}",
      });
    const refused = await call(marco);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe("admin-required");
    const allowed = await call(giulia);
    expect(allowed.statusCode).toBe(200);
    expect(allowed.json()).toEqual({ by: "Giulia" });
    // Without the CSRF token even the admin is refused.
    const noToken = await giulia.request({
      method: "POST",
      url: "/staff/api/admin/probe",
      headers: { "content-type": "application/json" },
      payload: "{}",
    });
    expect(noToken.json().error.code).toBe("csrf-invalid");
    // A role change applies to live sessions at once.
    await s.staffAuth.setRole("Giulia", "technician");
    expect((await call(giulia)).statusCode).toBe(403);
  });
});

describe("requests the board refuses", () => {
  it("a DNS-rebinding Host is refused, even with a matching Origin", async () => {
    const s = await start({ passwords: { Marco: "marco's passphrase" } });
    const local = boardAgent(s.server.app);
    await local.login("Marco", "marco's passphrase");
    const evil = { host: "evil.example:3000", origin: "http://evil.example:3000" };
    for (const request of [
      { url: "/staff" },
      { url: "/staff/api/tickets" },
      { url: "/staff/login" },
      { url: "/" },
      {
        method: "POST" as const,
        url: "/staff/api/tickets/WEB-0001/actions",
        payload: { type: "note", text: "rebinding" },
      },
    ]) {
      const res = await local.request({ ...request, headers: evil });
      expect(res.statusCode, request.url).toBe(421);
      expect(res.json().error.code).toBe("host-not-allowed");
    }
    // Health probes of containers use an IP as Host.
    expect(
      (await s.server.app.inject({ url: "/health", headers: { host: "10.1.2.3:3000" } })).statusCode,
    ).toBe(200);
  });

  it("a cross-site form POST to /staff/login is refused and signs nobody in", async () => {
    const s = await start({ publicUrl: PUBLIC, passwords: { Marco: "marco's passphrase" } });
    const attacker = remote(s);
    const noToken = await attacker.form(
      "/staff/login",
      { name: "Marco", password: "marco's passphrase" },
      { csrf: false },
    );
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json().error.code).toBe("csrf-invalid");
    const token = await attacker.csrf();
    const crossOrigin = await attacker.request({
      method: "POST",
      url: "/staff/login",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" },
      payload: new URLSearchParams({
        name: "Marco",
        password: "marco's passphrase",
        _csrf: token,
      }).toString(),
    });
    expect(crossOrigin.statusCode).toBe(403);
    expect(crossOrigin.json().error.code).toBe("cross-origin");
    expect(attacker.cookies.has(STAFF_COOKIE)).toBe(false);
    const local = await start({});
    const before = await countOf(local.database.db, "Technician");
    await boardAgent(local.server.app).form(
      "/staff/login",
      { name: "Newcomer", password: "x" },
      { csrf: false },
    );
    expect(await countOf(local.database.db, "Technician")).toBe(before);
    await local.close();
    stack = s;
  });

  it("board changes need the CSRF token and same origin", async () => {
    const s = await start({ publicUrl: PUBLIC, passwords: { Marco: "marco's passphrase" } });
    const browser = remote(s);
    await browser.login("Marco", "marco's passphrase");
    const url = "/staff/api/tickets/WEB-0001/actions";
    const json = { "content-type": "application/json" };
    const noToken = await browser.request({ method: "POST", url, headers: json, payload: { type: "claim" } });
    expect(noToken.json().error.code).toBe("csrf-invalid");
    const token = await browser.csrf("/staff");
    const crossSite = await browser.request({
      method: "POST",
      url,
      headers: { ...json, "x-csrf-token": token, origin: "https://evil.example" },
      payload: { type: "claim" },
    });
    expect(crossSite.json().error.code).toBe("cross-origin");
    const ok = await browser.request({
      method: "POST",
      url,
      headers: { ...json, "x-csrf-token": token, origin: PUBLIC },
      payload: { type: "claim" },
    });
    // No such ticket in the fake: the request got through the guards.
    expect(ok.statusCode).toBe(404);
  });
});

describe("behind a reverse proxy (TRUST_PROXY)", () => {
  it("throttles per client and per account: one client's failures never lock out another client", async () => {
    const s = await start({
      publicUrl: PUBLIC,
      trustProxy: true,
      passwords: { Marco: "marco's passphrase" },
    });
    // Every request reaches the server from the proxy's address.
    const via = (client: string) =>
      boardAgent(s.server.app, {
        remoteAddress: "127.0.0.1",
        headers: { ...PUBLIC_HOST, "x-forwarded-for": client },
      });
    const attacker = via("203.0.113.66");
    let last = 0;
    for (let i = 0; i < 25; i++) last = (await attacker.login("Giulia", `guess ${i}`)).statusCode;
    expect(last).toBe(429);
    const colleague = via("198.51.100.10");
    expect((await colleague.login("Marco", "marco's passphrase")).statusCode).toBe(303);
    // Per account: many clients guessing one name are stopped too.
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++)
      statuses.push((await via(`192.0.2.${i + 1}`).login("Giulia", `guess ${i}`)).statusCode);
    expect(statuses.at(-1)).toBe(429);
    expect((await via("198.51.100.11").login("Marco", "marco's passphrase")).statusCode).toBe(303);
  });

  it("counts sign-in attempts across instances on one database: a load balancer gives no more guesses", async () => {
    const a = await start({ publicUrl: PUBLIC, passwords: { Marco: "marco's passphrase" } });
    const b = await startWebStack({ listen: false, publicUrl: PUBLIC, database: a.database });
    try {
      // A load balancer alternating: 5 free guesses from one client, shared by both instances.
      const attacker = [remote(a, "203.0.113.90"), remote(b, "203.0.113.90")];
      for (let i = 0; i < 5; i++) {
        expect((await attacker[i % 2]!.login("Giulia", `guess ${i}`)).statusCode).toBe(401);
      }
      // The 6th must wait, on either instance, though each saw fewer than 5.
      expect((await attacker[0]!.login("Giulia", "guess 5")).statusCode).toBe(429);
      expect((await attacker[1]!.login("Giulia", "guess 6")).statusCode).toBe(429);
      // Another client signs in on both.
      expect((await remote(b, "198.51.100.30").login("Marco", "marco's passphrase")).statusCode).toBe(303);
      expect((await remote(a, "198.51.100.31").login("Marco", "marco's passphrase")).statusCode).toBe(303);
    } finally {
      await b.close();
    }
  });

  it("marks the session cookie Secure when the proxy terminated TLS", async () => {
    const s = await start({
      publicUrl: PUBLIC,
      trustProxy: true,
      passwords: { Marco: "marco's passphrase" },
    });
    const browser = boardAgent(s.server.app, {
      remoteAddress: "127.0.0.1",
      headers: { ...PUBLIC_HOST, "x-forwarded-for": REMOTE, "x-forwarded-proto": "https" },
    });
    const login = await browser.login("Marco", "marco's passphrase");
    const cookie = String(login.headers["set-cookie"]);
    expect(cookie).toContain(`${STAFF_COOKIE}=`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(login.headers["strict-transport-security"]).toBeDefined();
  });
});
