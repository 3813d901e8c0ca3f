/**
 * Personal data on the seeded month: export of a customer (JSON + files in one .tar.gz, read
 * back with the system's tar), erasure (no trace of them left in any table or the media folder,
 * statement totals unchanged, audited), retention purge, and the SQLite backup.
 * SQLite, or PostgreSQL with SPORTELLO_TEST_DB=postgres.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/data/database.js";
import { closedSessionsBetween } from "../../src/data/statementQueries.js";
import { policyResolver } from "../../src/policy/policyResolver.js";
import { buildStatement, monthQueryWindow } from "../../src/reports/statement.js";
import { runCliCaptured } from "../support/cliRun.js";
import { countOf, rowOf, rowsOf } from "../support/rows.js";
import { CUSTOMERS, type SeededMonth, seedMonth } from "../support/seedMonth.js";
import { createTestDatabase, type TestDatabase, usingPostgres } from "../support/testDatabase.js";

let t: TestDatabase;
let seed: SeededMonth;
let dataDir: string;
let work: string;

beforeAll(async () => {
  t = await createTestDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), "sportello-privacy-data-"));
  work = await mkdtemp(path.join(tmpdir(), "sportello-privacy-out-"));
  seed = await seedMonth(t.db, dataDir);
});

afterAll(async () => {
  await seed?.stop();
  await t?.drop();
  for (const dir of [dataDir, work]) if (dir) await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[], now = "2027-04-02T10:00:00+02:00") {
  const { code, stdout, stderr } = await runCliCaptured(args, {
    env: { DATABASE_URL: t.url, SPORTELLO_DATA_DIR: dataDir },
    now,
  });
  return { code, stdout, stderr, json: code === 0 && stdout ? JSON.parse(stdout) : null };
}

async function marchStatement() {
  const tickets = await closedSessionsBetween(t.db, monthQueryWindow("2027-03"));
  return buildStatement("2027-03", tickets, policyResolver());
}

/** Every row of every table, as JSON text. */
async function everyTable(): Promise<string> {
  const names = [
    "Customer",
    "HardwarePurchase",
    "ChannelIdentity",
    "TicketCounter",
    "Ticket",
    "TicketEvent",
    "Message",
    "Conversation",
    "Technician",
    "OnCallShift",
    "Job",
    "ProcessedDelivery",
    "Feedback",
    "AiUsage",
  ] as const;
  const tables = await Promise.all(names.map((name) => rowsOf(t.db, name)));
  return JSON.stringify(tables);
}

const A = CUSTOMERS.A;
/** What identifies customer A: name, company, phone (any form), e-mail, chat id. */
const traces = [A.company, A.contactName, "Giulia", A.phone, A.phone.slice(3), A.email, "chat-A"];

describe("customer export and erasure", () => {
  it("exports the customer's record, transcripts, tickets, feedback and files in one archive", async () => {
    const file = path.join(work, "a.tar.gz");
    const r = await cli(["customers", "export", seed.customers.A.code, "--out", file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ code: seed.customers.A.code, tickets: 4, files: 2, missingFiles: 0 });
    const out = path.join(work, "a");
    await mkdir(out, { recursive: true });
    execFileSync("tar", ["-xzf", file, "-C", out]);
    const json = JSON.parse(await readFile(path.join(out, "customer.json"), "utf8"));
    expect(json.customer).toMatchObject({ company: A.company, phone: A.phone, email: A.email });
    expect(json.identities).toEqual([expect.objectContaining({ channel: "telegram", externalId: "chat-A" })]);
    expect(json.tickets.map((x: { number: string }) => x.number).sort()).toEqual(
      ["a-lunch", "a-weekend", "a-std", "a-open"].map((id) => seed.numbers[id]).sort(),
    );
    const texts = json.messages.map((m: { text: string }) => m.text);
    expect(texts).toContain(`${A.contactName}: problema a-lunch, il mio numero è ${A.phone}`);
    // The bot's messages to them are part of their transcript too.
    expect(json.messages.some((m: { direction: string }) => m.direction === "out")).toBe(true);
    expect(json.feedback).toEqual([expect.objectContaining({ rating: 4, ticket: seed.numbers["a-lunch"] })]);
    const files = await readdir(path.join(out, "files"));
    expect(files).toHaveLength(2);
    for (const f of json.files as { ref: string; path: string }[]) {
      expect(await readFile(path.join(out, f.path), "utf8")).toBe(seed.files[f.ref]);
    }
    // Nobody else's data.
    expect(JSON.stringify(json)).not.toContain(CUSTOMERS.B.company);
  });

  it("erases them: nothing personal left in any table or the media folder, statement totals unchanged", async () => {
    const before = await marchStatement();
    const beforeA = before.customers.find((c) => c.code === seed.customers.A.code)!;
    const dump = await everyTable();
    for (const trace of traces) expect(dump, trace).toContain(trace);

    const r = await cli(["customers", "erase", seed.customers.A.code, "--by", "Laura"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ code: seed.customers.A.code, tickets: 4, identities: 1, files: 2 });

    const after = await everyTable();
    for (const trace of traces) expect(after, trace).not.toContain(trace);
    for (const ref of Object.keys(seed.files))
      expect(existsSync(path.join(dataDir, "media", ref))).toBe(false);
    // Other customers are untouched.
    expect(after).toContain(CUSTOMERS.B.company);
    expect(after).toContain(CUSTOMERS.C.email);

    const s = await marchStatement();
    expect(s.totals).toEqual(before.totals);
    const a = s.customers.find((c) => c.code === seed.customers.A.code)!;
    expect(a.totals).toEqual(beforeA.totals);
    expect(a.allowances).toEqual(beforeA.allowances);
    expect(a.lines.map((l) => [l.ticket, l.category, l.minutes, l.grossCents])).toEqual(
      beforeA.lines.map((l) => [l.ticket, l.category, l.minutes, l.grossCents]),
    );
    expect(a.company).toBe(`[erased ${seed.customers.A.code}]`);

    const audit = await rowsOf(t.db, "TicketEvent", `"type" = 'customer.erased'`);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: "Laura" });
    expect(JSON.parse(audit[0]!.payload)).toMatchObject({ code: seed.customers.A.code, tickets: 4 });
  });

  it("refuses an unknown customer with a clear error", async () => {
    const r = await cli(["customers", "erase", "NOPE42"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no customer with code "NOPE42"');
  });
});

describe("retention", () => {
  it("purges transcripts older than N months and keeps tickets, charges and newer lines", async () => {
    const messagesBefore = await countOf(t.db, "Message");
    // 2 April minus one month: the lines before 2 March go.
    const r = await cli(["retention", "purge", "--months", "1"]);
    expect(r.code, r.stderr).toBe(0);
    const cutoff = new Date(r.json.before);
    expect(await countOf(t.db, "Message", `"at" < ?`, cutoff)).toBe(0);
    expect(r.json.messages).toBeGreaterThan(0);
    expect(await countOf(t.db, "Message")).toBe(messagesBefore - r.json.messages);
    const feb = await rowOf(t.db, "Ticket", `"number" = ?`, seed.numbers["b-feb"]!);
    expect(feb).toMatchObject({ status: "closed", chargeGrossCents: 14640 });
    expect((await cli(["retention", "purge", "--months", "0"])).code).toBe(2);
    expect((await cli(["retention", "purge"])).stderr).toContain("RETENTION_MONTHS");
  });
});

describe("backup", () => {
  it("copies the live database into a standalone file (SQLite) or points to pg_dump (PostgreSQL)", async () => {
    const file = path.join(work, "backup", "sportello.db");
    const r = await cli(["backup", file]);
    if (usingPostgres) {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("pg_dump");
      return;
    }
    expect(r.code, r.stderr).toBe(0);
    const copy = await openDatabase(`file:${file}`);
    try {
      expect(await countOf(copy, "Ticket")).toBe(await countOf(t.db, "Ticket"));
      const check = await copy.session(async (tx) => tx.rows("PRAGMA integrity_check"));
      expect(check[0]?.integrity_check).toBe("ok");
    } finally {
      await copy.close();
    }
    const again = await cli(["backup", file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already exists");
  });
});
