/**
 * Staff board credentials and sessions. Passwords are stored as scrypt hashes, login tokens
 * (the link `npx sportello staff add NAME` prints once) as SHA-256 hashes: a token is 256 random
 * bits, so a fast hash is enough and lets the store look it up by hash. Sessions are
 * HMAC-signed cookies, so nothing is kept server-side.
 */
import { createHash, createHmac, randomBytes, scrypt, timingSafeEqual } from "node:crypto";

/** A technician as the credential store sees it. */
export interface StaffCredentialRecord {
  id: string;
  name: string;
  passwordHash: string | null;
  tokenHash: string | null;
  active?: boolean;
}

/** Persistence of credentials; implemented by the runtime on the Technician table. */
export interface StaffCredentialStore {
  findByName(name: string): Promise<StaffCredentialRecord | null>;
  findByTokenHash(tokenHash: string): Promise<StaffCredentialRecord | null>;
  setPassword(name: string, passwordHash: string): Promise<void>;
  setTokenHash(name: string, tokenHash: string): Promise<void>;
  /** Whether any active technician has a password or a token (otherwise the board is localhost-only). */
  hasCredentials(): Promise<boolean>;
}

/** Who a board session belongs to. `local` sessions exist only while no credentials are configured. */
export interface StaffSession {
  technician: { id: string | null; name: string };
  mode: "password" | "token" | "local";
  /** Expiry, epoch milliseconds. */
  exp: number;
}

/** Stable error codes of staff authentication. */
export type StaffAuthErrorCode = "unknown-technician" | "weak-password";

export class StaffAuthError extends Error {
  readonly code: StaffAuthErrorCode;
  constructor(code: StaffAuthErrorCode, message: string) {
    super(message);
    this.name = "StaffAuthError";
    this.code = code;
  }
}

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;

function scryptAsync(password: string, salt: Buffer, keylen: number, N: number, r: number, p: number) {
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(password, salt, keylen, { N, r, p, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** Hashes a password as `scrypt$N$r$p$salt$hash` (base64url parts). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT.keylen, SCRYPT.N, SCRYPT.r, SCRYPT.p);
  return ["scrypt", SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString("base64url"), key.toString("base64url")].join(
    "$",
  );
}

/** Checks a password against {@link hashPassword}'s output in constant time; false for malformed hashes. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, "base64url");
  const expected = Buffer.from(parts[5]!, "base64url");
  if (!expected.length || !Number.isInteger(N) || N > 1 << 20) return false;
  const key = await scryptAsync(password, salt, expected.length, N, r, p);
  return timingSafeEqual(key, expected);
}

/** SHA-256 hex of a login token, the form the store keeps. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export interface StaffAuthOptions {
  store: StaffCredentialStore;
  /** HMAC key of session cookies; random per process when absent (sessions then end on restart). */
  sessionSecret?: string;
  /** Session lifetime; default 12 hours. */
  sessionTtlMs?: number;
  now?: () => Date;
}

/** Credential checks, token issuing and session cookies of the staff board. */
export interface StaffAuth {
  /** False while no technician has any credential: the board then trusts localhost only. */
  configured(): Promise<boolean>;
  loginWithPassword(name: string, password: string): Promise<StaffSession | null>;
  loginWithToken(token: string): Promise<StaffSession | null>;
  /** Session for a localhost user while nothing is configured (the name is who they act as). */
  localSession(name: string): StaffSession;
  /** Stores a new password (min 8 characters). */
  setPassword(name: string, password: string): Promise<void>;
  /** Creates a login token, stores its hash and returns the token itself — show it once. */
  issueToken(name: string): Promise<string>;
  /** Signs a session into a cookie value. */
  sign(session: StaffSession): string;
  /** Verifies a cookie value; null when forged, malformed or expired. */
  verify(cookie: string | undefined): StaffSession | null;
}

/** Login link for a token printed by the CLI, e.g. `http://localhost:3000/staff/login?token=…`. */
export function staffLoginLink(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/staff/login?token=${encodeURIComponent(token)}`;
}

/** Creates the staff authentication service. */
export function createStaffAuth(options: StaffAuthOptions): StaffAuth {
  const secret = options.sessionSecret ? Buffer.from(options.sessionSecret) : randomBytes(32);
  const ttl = options.sessionTtlMs ?? 12 * 60 * 60 * 1000;
  const now = options.now ?? (() => new Date());
  // Verifying against a dummy hash keeps unknown names as slow as wrong passwords.
  const dummyHash = hashPassword(randomBytes(12).toString("hex"));

  function session(record: { id: string | null; name: string }, mode: StaffSession["mode"]): StaffSession {
    return { technician: { id: record.id, name: record.name }, mode, exp: now().getTime() + ttl };
  }

  function mac(payload: string): Buffer {
    return createHmac("sha256", secret).update(payload).digest();
  }

  return {
    configured: () => options.store.hasCredentials(),

    async loginWithPassword(name, password) {
      const record = await options.store.findByName(name.trim());
      const usable = record && record.active !== false && record.passwordHash ? record : null;
      const ok = await verifyPassword(password, usable?.passwordHash ?? (await dummyHash));
      return ok && usable ? session(usable, "password") : null;
    },

    async loginWithToken(token) {
      if (!/^[A-Za-z0-9_-]{20,200}$/.test(token)) return null;
      const record = await options.store.findByTokenHash(hashToken(token));
      if (!record || record.active === false || !record.tokenHash) return null;
      // The store matched by hash already; compare again in constant time in case it matched loosely.
      const a = Buffer.from(record.tokenHash);
      const b = Buffer.from(hashToken(token));
      return a.length === b.length && timingSafeEqual(a, b) ? session(record, "token") : null;
    },

    localSession: (name) => session({ id: null, name }, "local"),

    async setPassword(name, password) {
      if (password.length < 8)
        throw new StaffAuthError("weak-password", "Passwords need at least 8 characters");
      if (!(await options.store.findByName(name))) {
        throw new StaffAuthError("unknown-technician", `No technician named ${name}`);
      }
      await options.store.setPassword(name, await hashPassword(password));
    },

    async issueToken(name) {
      if (!(await options.store.findByName(name))) {
        throw new StaffAuthError("unknown-technician", `No technician named ${name}`);
      }
      const token = randomBytes(32).toString("base64url");
      await options.store.setTokenHash(name, hashToken(token));
      return token;
    },

    sign(s) {
      const payload = Buffer.from(JSON.stringify(s)).toString("base64url");
      return `${payload}.${mac(payload).toString("base64url")}`;
    },

    verify(cookie) {
      if (!cookie) return null;
      const [payload, signature, extra] = cookie.split(".");
      if (!payload || !signature || extra !== undefined) return null;
      const given = Buffer.from(signature, "base64url");
      const expected = mac(payload);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      try {
        const parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as StaffSession;
        if (typeof parsed.exp !== "number" || parsed.exp <= now().getTime()) return null;
        if (!parsed.technician || typeof parsed.technician.name !== "string") return null;
        return parsed;
      } catch {
        return null;
      }
    },
  };
}
