/**
 * Layering: only `src/data` touches the database. Code elsewhere holds the `Database` and hands it
 * (or a transaction) to the stores' functions; it never imports a driver or Prisma, nor reaches
 * for the client behind the `Database`. And no code at all, `src/data` included, uses Prisma's
 * client: Prisma is the schema's language and migration tool only.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");

/** What code outside `src/data` may not write, with why. */
const RULES: { pattern: RegExp; why: string }[] = [
  { pattern: /\.prisma\b/, why: "uses the Prisma client behind the Database" },
  { pattern: /\.(sqlite|pool)\s*[.!?(]/, why: "uses a driver connection behind the Database" },
  {
    pattern: /from\s+["'](?:@prisma\/[^"']+|pg|libsql|@libsql\/[^"']+|kysely)["']/,
    why: "imports a database client or driver",
  },
  {
    pattern: /from\s+["'][^"']*\/data\/(?:generated\/|sqlTx|pgTx|sqliteConnection)/,
    why: "imports the data layer's internals",
  },
  { pattern: /\$(?:queryRaw|executeRaw|transaction)/, why: "runs SQL outside src/data" },
];

/** What no code under `src` may write, `src/data` included, with why. */
const EVERYWHERE: { pattern: RegExp; why: string }[] = [
  {
    pattern: /(?:from\s+|import\s*\(\s*)["'](?:@prisma\/[^"']+|[^"']*\/generated\/[^"']*)["']/,
    why: "imports Prisma's client (or its adapters); the stores run on SqlTx",
  },
];

/** The rules of `rules` a source text breaks, as "line: why". */
function violations(text: string, rules = RULES): string[] {
  const found: string[] = [];
  text.split("\n").forEach((line, i) => {
    if (/^\s*(?:\/\/|\*|\/\*)/.test(line)) return;
    for (const rule of rules) if (rule.pattern.test(line)) found.push(`${i + 1}: ${rule.why}`);
  });
  return found;
}

/** The source files under `dir`, leaving out the folders in `skip`. */
function sources(dir: string, skip: string[] = [join(root, "src/data")]): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return skip.includes(path) ? [] : sources(path, skip);
    return /\.(ts|js)$/.test(entry.name) ? [path] : [];
  });
}

describe("layering", () => {
  it("nothing outside src/data touches the database but through the stores", () => {
    const broken = sources(join(root, "src")).flatMap((file) =>
      violations(readFileSync(file, "utf8")).map((v) => `${relative(root, file)}:${v}`),
    );
    expect(broken).toEqual([]);
  });

  it("no code, src/data included, uses Prisma's client (generated or @prisma/*)", () => {
    const broken = sources(join(root, "src"), [join(root, "src/data/generated")]).flatMap((file) =>
      violations(readFileSync(file, "utf8"), EVERYWHERE).map((v) => `${relative(root, file)}:${v}`),
    );
    expect(broken).toEqual([]);
  });

  it("catches a deliberate violation of each kind", () => {
    expect(violations(`const row = await ctx.db.prisma.ticket.findFirst({});`)).toHaveLength(1);
    expect(violations(`import pg from "pg";`)).toHaveLength(1);
    expect(violations(`import { PrismaClient } from "@prisma/client";`)).toHaveLength(1);
    expect(violations(`import { SqliteTx } from "../data/sqlTx.js";`)).toHaveLength(1);
    expect(violations(`await client.$queryRawUnsafe("SELECT 1");`)).toHaveLength(1);
    expect(violations(`db.sqlite!.statement("SELECT 1")`)).toHaveLength(1);
    expect(violations(`const ticket = await store.findTicket(ctx.db, number);`)).toEqual([]);
    expect(violations(`import { PrismaPg } from "@prisma/adapter-pg";`, EVERYWHERE)).toHaveLength(1);
    expect(
      violations(`import { PrismaClient } from "./generated/sqlite/client.ts";`, EVERYWHERE),
    ).toHaveLength(1);
    expect(
      violations(`const m = await import("../data/generated/postgres/client.js");`, EVERYWHERE),
    ).toHaveLength(1);
    expect(violations(`import { SqliteTx } from "./sqlTx.js";`, EVERYWHERE)).toEqual([]);
  });
});
