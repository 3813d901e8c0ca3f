/**
 * Password and token hashing of staff access. Passwords are scrypt hashes; one-time invite
 * links and session cookies are 256-bit random tokens kept as SHA-256 hashes (a fast hash is
 * enough for that much entropy and lets the store look a token up by its hash).
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from "node:crypto";

import { isGuessable } from "./passwordStrength.js";

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;

/** Shortest password accepted. */
export const MIN_PASSWORD_LENGTH = 10;
/** Longest password accepted (scrypt input is bounded so a huge body cannot burn CPU). */
export const MAX_PASSWORD_LENGTH = 256;

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

/** A new random token (43 base64url characters). */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Whether a string can be a token from {@link newToken} (checked before any lookup). */
export function looksLikeToken(token: unknown): token is string {
  return typeof token === "string" && /^[A-Za-z0-9_-]{43}$/.test(token);
}

/** SHA-256 hex of a token, the form the store keeps. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Why a password is refused, or null when it is acceptable. */
export async function passwordProblem(
  password: string,
  name: string,
): Promise<"too-short" | "too-long" | "is-name" | "guessable" | null> {
  if ([...password].length < MIN_PASSWORD_LENGTH) return "too-short";
  if (password.length > MAX_PASSWORD_LENGTH) return "too-long";
  if (password.trim().toLowerCase() === name.trim().toLowerCase()) return "is-name";
  if (await isGuessable(password, [name])) return "guessable";
  return null;
}
