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

/** A new collision-resistant id, sortable by creation time. */
export function newId(): string {
  counter = (counter + 1) % BASE ** 4;
  const random = randomBytes(6).readUIntBE(0, 6).toString(BASE).padStart(8, "0").slice(-8);
  return `c${Date.now().toString(BASE).padStart(8, "0")}${counter.toString(BASE).padStart(4, "0")}${fingerprint}${random}`;
}
