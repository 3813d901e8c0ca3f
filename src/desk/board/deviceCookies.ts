/**
 * Device cookies (OWASP's "device cookie" defence against lockout attacks): a browser that
 * signed in with a technician's password gets a cookie naming that technician, signed with a key
 * derived from the technician's stored password hash (secret, with its own random salt, and the
 * same on every instance). Presenting it does not sign anyone in; it only tells the sign-in
 * throttle that this browser got in before, so other clients' failures on the name do not slow
 * it down. A new password (reset, invite) retires every device cookie of the technician.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { boardLogin } from "../../data/staffAccessStore.js";
import type { StaffAccessStore } from "./staffAuth.js";

/** Name of the cookie. */
export const DEVICE_COOKIE = "sportello_device";
/** How long a device stays known without signing in again. */
export const DEVICE_COOKIE_DAYS = 180;

const sign = (key: string, login: string, nonce: string) =>
  createHmac("sha256", `sportello-device:${key}`).update(`${login}\n${nonce}`).digest("base64url");

export interface DeviceCookies {
  /** A cookie value for a browser that just signed in as `technicianId`; null without a password. */
  issue(technicianId: string): Promise<string | null>;
  /** Whether `cookie` was issued to a browser that signed in as `name` (with its current password). */
  knows(cookie: string | undefined, name: string): Promise<boolean>;
}

export function createDeviceCookies(store: StaffAccessStore): DeviceCookies {
  return {
    async issue(technicianId) {
      const account = await store.findById(technicianId);
      const key = account ? await store.passwordHash(account.id) : null;
      if (!account || !key) return null;
      const login = Buffer.from(boardLogin(account.name)).toString("base64url");
      const nonce = randomBytes(12).toString("base64url");
      return `${login}.${nonce}.${sign(key, boardLogin(account.name), nonce)}`;
    },
    async knows(cookie, name) {
      const parts = typeof cookie === "string" && cookie.length < 400 ? cookie.split(".") : [];
      if (parts.length !== 3) return false;
      const login = Buffer.from(parts[0]!, "base64url").toString();
      if (!name.trim() || login !== boardLogin(name)) return false;
      const account = await store.findByName(name.trim());
      const key = account?.active ? await store.passwordHash(account.id) : null;
      if (!key) return false;
      const expected = Buffer.from(sign(key, login, parts[1]!));
      const given = Buffer.from(parts[2]!);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
  };
}
