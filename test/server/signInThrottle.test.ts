/**
 * Sign-in throttling without lockout: growing delays per (account, address), a slower pace per
 * account for unknown browsers, and device cookies that keep a technician who signed in before
 * on the board whatever others try with their name.
 */
import { afterEach, describe, expect, it } from "vitest";
import { DEVICE_COOKIE } from "../../src/desk/board/deviceCookies.js";
import { STAFF_COOKIE } from "../../src/server/boardAuth.js";
import { delayAfter, PER_ACCOUNT, PER_ADDRESS } from "../../src/server/signInThrottle.js";
import { boardAgent } from "../support/boardAgent.js";
import { eventually } from "../support/eventually.js";
import { startWebStack, type WebStack } from "../support/webStack.js";

const PUBLIC = "https://support.example.com";
const GIULIA = "giulia's long passphrase 7";

let stack: WebStack | null = null;
afterEach(async () => {
  await stack?.close();
  stack = null;
});

async function start() {
  stack = await startWebStack({
    listen: false,
    publicUrl: PUBLIC,
    trustProxy: true,
    passwords: { Giulia: GIULIA, Marco: "marco's passphrase" },
  });
  return stack;
}

/** A browser behind the proxy, at `client`. */
const via = (s: WebStack, client: string, language = "en") =>
  boardAgent(s.server.app, {
    remoteAddress: "127.0.0.1",
    headers: { host: "support.example.com", "x-forwarded-for": client, "accept-language": language },
  });

describe("sign-in throttling", () => {
  it("grows the wait per account and address, and leaves other addresses alone", async () => {
    const s = await start();
    const typo = via(s, "198.51.100.40");
    for (let i = 0; i < PER_ADDRESS.free - 1; i++)
      expect((await typo.login("Giulia", `typo ${i}`)).statusCode).toBe(401);
    // The 5th failure starts a 1 s wait; the next attempt at once is refused with Retry-After.
    expect((await typo.login("Giulia", "typo 4")).statusCode).toBe(401);
    const first = await typo.login("Giulia", GIULIA);
    expect(first.statusCode).toBe(429);
    expect(first.headers["retry-after"]).toBe("1");
    // Once waited, one more failure doubles the wait.
    await eventually(async () => (await typo.login("Giulia", "typo 5")).statusCode === 401, "the wait over", {
      intervalMs: 300,
    });
    const second = await typo.login("Giulia", GIULIA);
    expect(second.statusCode).toBe(429);
    expect(Number(second.headers["retry-after"])).toBe(2);
    // Another address has its own count.
    expect((await via(s, "198.51.100.41").login("Giulia", "typo")).statusCode).toBe(401);
    expect([1, 2, 3, 4, 5, 6, 7, 8, 30].map((n) => delayAfter(n, PER_ADDRESS))).toEqual([
      0, 0, 0, 0, 1000, 2000, 4000, 8000, 900_000,
    ]);
    expect(delayAfter(40, PER_ACCOUNT)).toBe(60_000);
  });

  it("does not lock a known browser out when other clients fail on the name from rotating addresses", async () => {
    const s = await start();
    // Giulia signed in on her laptop last week: it holds a device cookie.
    const laptop = via(s, "198.51.100.50", "it");
    expect((await laptop.login("Giulia", GIULIA)).statusCode).toBe(303);
    expect(laptop.cookies.get(DEVICE_COOKIE)).toBeTruthy();
    laptop.cookies.delete(STAFF_COOKIE);
    // 40 wrong passwords for her name, each from a new address.
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++)
      statuses.push((await via(s, `192.0.2.${i + 1}`).login("Giulia", `guess ${i}`)).statusCode);
    expect(statuses.slice(0, PER_ACCOUNT.free)).toEqual(Array(PER_ACCOUNT.free).fill(401));
    expect(statuses.at(-1)).toBe(429);
    // A browser that never signed in waits, and is told so in its language (a page, not JSON).
    const stranger = await via(s, "198.51.100.99", "it").login("Giulia", GIULIA);
    expect(stranger.statusCode).toBe(429);
    expect(stranger.headers["content-type"]).toContain("text/html");
    expect(Number(stranger.headers["retry-after"])).toBeGreaterThan(0);
    expect(stranger.body).toMatch(/Troppi tentativi falliti: per sicurezza puoi riprovare fra \d+ secondi\./);
    expect(stranger.body).not.toContain('{"error"');
    // Her laptop, even from a new address (another network), gets in.
    const moved = boardAgent(s.server.app, {
      remoteAddress: "127.0.0.1",
      headers: { host: "support.example.com", "x-forwarded-for": "198.51.100.77" },
    });
    moved.cookies.set(DEVICE_COOKIE, laptop.cookies.get(DEVICE_COOKIE)!);
    expect((await moved.login("Giulia", GIULIA)).statusCode).toBe(303);
    // Marco is not slowed down at all.
    expect((await via(s, "198.51.100.60").login("Marco", "marco's passphrase")).statusCode).toBe(303);
  });

  it("honours a device cookie only for its technician and current password", async () => {
    const s = await start();
    const laptop = via(s, "198.51.100.50");
    expect((await laptop.login("Giulia", GIULIA)).statusCode).toBe(303);
    const cookie = laptop.cookies.get(DEVICE_COOKIE)!;
    expect(await s.staffAuth.devices.knows(cookie, "giulia")).toBe(true);
    expect(await s.staffAuth.devices.knows(cookie, "Marco")).toBe(false);
    expect(await s.staffAuth.devices.knows(`${cookie.slice(0, -2)}xx`, "Giulia")).toBe(false);
    expect(await s.staffAuth.devices.knows("garbage", "Giulia")).toBe(false);
    // A reset (new password) retires the devices that knew the old one.
    await s.staffAuth.issueInvite("Giulia", "reset");
    expect(await s.staffAuth.devices.knows(cookie, "Giulia")).toBe(false);
  });

  it("explains a throttle in English too", async () => {
    const s = await start();
    const typo = via(s, "198.51.100.40", "en-GB,en;q=0.9");
    for (let i = 0; i < PER_ADDRESS.free; i++) await typo.login("Giulia", `typo ${i}`);
    const refused = await typo.login("Giulia", "typo");
    expect(refused.statusCode).toBe(429);
    expect(refused.body).toContain(
      "Too many failed attempts: for your safety, you can try again in 1 seconds.",
    );
  });
});
