/**
 * Row ids in Prisma's `cuid()` shape ("c" + time + counter + fingerprint + random), for rows the
 * hot path inserts without Prisma. Like cuid they sort by creation time and, within one
 * millisecond, by a process counter, so `ORDER BY at, id` keeps insertion order.
 */
import { randomBytes } from "node:crypto";

const BASE = 36;
const fingerprint = (process.pid.toString(BASE) + randomBytes(2).readUInt16BE().toString(BASE))
  .slice(-4)
  .padStart(4, "0");
let counter = 0;
// Random bytes drawn in blocks: one system call per 512 ids instead of one per id.
const POOL_BYTES = 6 * 512;
let pool = randomBytes(POOL_BYTES);
let poolOffset = 0;

/** A new collision-resistant id, sortable by creation time. */
export function newId(): string {
  counter = (counter + 1) % BASE ** 4;
  if (poolOffset + 6 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  const random = pool.readUIntBE(poolOffset, 6).toString(BASE).padStart(8, "0").slice(-8);
  poolOffset += 6;
  return `c${Date.now().toString(BASE).padStart(8, "0")}${counter.toString(BASE).padStart(4, "0")}${fingerprint}${random}`;
}
