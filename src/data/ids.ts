/**
 * Row ids in Prisma's `cuid()` shape ("c" + time + counter + fingerprint + random), for rows the
 * hot path inserts without Prisma. Like cuid they sort by creation time and, within one
 * millisecond, by a process counter, so `ORDER BY at, id` keeps insertion order.
 */
import { randomBytes } from "node:crypto";

const BASE = 36;
const DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz";
const fingerprint = (process.pid.toString(BASE) + randomBytes(2).readUInt16BE().toString(BASE))
  .slice(-4)
  .padStart(4, "0");
const COUNTER_SPAN = BASE ** 4;
let counter = 0;

/** Random base-36 digits drawn in blocks: one system call per 512 ids instead of one per id. */
const RANDOM_LENGTH = 8;
const POOL_DIGITS = RANDOM_LENGTH * 512;
let pool = "";
let poolOffset = 0;

/** `count` uniformly random base-36 digits (bytes of 252 and more are dropped: 252 = 7 × 36). */
function randomDigits(count: number): string {
  let out = "";
  while (out.length < count) {
    for (const byte of randomBytes(count - out.length + 64)) {
      if (byte < 252 && out.length < count) out += DIGITS[byte % BASE];
    }
  }
  return out;
}

/** The time part of the last millisecond an id was made in (ids come in bursts). */
let lastMs = -1;
let timePart = "";

/** A new collision-resistant id, sortable by creation time. */
export function newId(): string {
  counter = (counter + 1) % COUNTER_SPAN;
  if (poolOffset + RANDOM_LENGTH > pool.length) {
    pool = randomDigits(POOL_DIGITS);
    poolOffset = 0;
  }
  const random = pool.slice(poolOffset, poolOffset + RANDOM_LENGTH);
  poolOffset += RANDOM_LENGTH;
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    timePart = now.toString(BASE).padStart(8, "0");
  }
  return `c${timePart}${counter.toString(BASE).padStart(4, "0")}${fingerprint}${random}`;
}
