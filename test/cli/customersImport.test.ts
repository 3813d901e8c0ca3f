import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import {
  CustomerImportError,
  importCustomersFromCsv,
  parseCustomerCsv,
  randomCustomerCode,
} from "../../src/data/customerImport.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";
import { countOf, rowsOf, theRow } from "../support/rows.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

const root = resolve(import.meta.dirname, "../..");
const leotron = loadPolicy("leotron");
const leghorn = loadPolicy("leghorn");
const dir = mkdtempSync(join(tmpdir(), "sportello-import-"));

let test: TestDatabase;
beforeEach(async () => {
  if (test) await test.drop();
  test = await createTestDatabase();
});
afterAll(async () => {
  await test?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const GOOD = [
  "company,phone,email,telegram,language,plan,jsystem,purchases,salesrep",
  'Bar Roma,347 1234567,info@barroma.it,123456789,it,standard,yes,"PC cassa@2026-03-01@12;Stampante@2025-11-20@36",',
  "Ferramenta Verdi,045.4684131,,,en,standard,no,,Mario Rossi",
  "Solo Telegram Srl,,,@Solo_Telegram,,,,,",
].join("\n");

function issuesOf(fn: () => unknown): {
  code: string;
  issues: { row: number; field: string | null; message: string }[];
} {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CustomerImportError);
    return error as CustomerImportError;
  }
  throw new Error("expected the CSV to be rejected");
}

async function counts() {
  return {
    customers: await countOf(test.db, "Customer"),
    purchases: await countOf(test.db, "HardwarePurchase"),
    identities: await countOf(test.db, "ChannelIdentity"),
  };
}

describe("parseCustomerCsv", () => {
  it("validates and normalizes a good file", () => {
    const records = parseCustomerCsv(GOOD, { policy: leotron });
    expect(records).toEqual([
      {
        row: 2,
        company: "Bar Roma",
        phone: "+393471234567",
        telegram: "123456789",
        email: "info@barroma.it",
        language: "it",
        plans: ["standard", "j-system"],
        purchases: [
          { item: "PC cassa", purchasedOn: "2026-03-01", warrantyMonths: 12 },
          { item: "Stampante", purchasedOn: "2025-11-20", warrantyMonths: 36 },
        ],
        salesRep: null,
      },
      {
        row: 3,
        company: "Ferramenta Verdi",
        phone: "+390454684131",
        telegram: null,
        email: null,
        language: "en",
        plans: ["standard"],
        purchases: [],
        salesRep: "Mario Rossi",
      },
      {
        row: 4,
        company: "Solo Telegram Srl",
        phone: null,
        telegram: "@solo_telegram",
        email: null,
        plans: [],
        purchases: [],
        salesRep: null,
      },
    ]);
  });

  it("reports every bad row with its row number and column", () => {
    const csv = [
      "company,phone,email,plan,jsystem,purchases",
      "Bar Roma,347 1234567,not-an-email,standard,yes,",
      ",12345,,gold,maybe,PC@2026-02-30@12",
      "Ok Srl,335 1234567,,standard,no,Server@2026-01-01@48",
    ].join("\n");
    const error = issuesOf(() => parseCustomerCsv(csv, { policy: leotron }));
    expect(error.code).toBe("invalid-rows");
    expect(error.issues).toEqual([
      { row: 2, field: "email", message: "expected an e-mail address" },
      { row: 3, field: "company", message: "expected the company name" },
      { row: 3, field: "phone", message: 'expected a valid phone number, got "12345"' },
      {
        row: 3,
        field: "plan",
        message: 'unknown plan "gold" for leotron: expected one of standard, j-system',
      },
      { row: 3, field: "jsystem", message: 'expected yes or no, got "maybe"' },
      {
        row: 3,
        field: "purchases",
        message: 'expected a purchase date YYYY-MM-DD for "PC", got "2026-02-30"',
      },
      {
        row: 4,
        field: "purchases",
        message: 'expected warranty months between 1 and 36 for "Server", got "48"',
      },
    ]);
  });

  it("rejects a duplicate phone within the file, however it is written", () => {
    const csv = ["company,phone", "Bar Roma,347 1234567", "Bar Roma bis,+39 347 123 4567"].join("\n");
    expect(issuesOf(() => parseCustomerCsv(csv)).issues).toEqual([
      { row: 3, field: "phone", message: "+393471234567 is already on row 2" },
    ]);
  });

  it("rejects rows with the wrong number of fields, unknown columns and missing contact", () => {
    expect(issuesOf(() => parseCustomerCsv("company,phone\nBar Roma,347 1234567,extra\n")).issues).toEqual([
      { row: 2, field: null, message: "expected 2 fields like the header, found 3" },
    ]);
    expect(issuesOf(() => parseCustomerCsv("company,fax\nBar Roma,123\n")).issues).toEqual([
      {
        row: 1,
        field: "fax",
        message:
          "unknown column: expected company, phone, email, telegram, language, plan, jsystem, purchases, salesrep, salesrep_email, salesrep_phone",
      },
      { row: 1, field: "phone", message: "missing column: expected phone and/or telegram" },
    ]);
    expect(issuesOf(() => parseCustomerCsv("company,phone,telegram\nBar Roma,,\n")).issues).toEqual([
      { row: 2, field: "phone", message: "expected a phone number or a Telegram id" },
    ]);
  });

  it("reports malformed CSV (unclosed quote) with its line", () => {
    const error = issuesOf(() => parseCustomerCsv('company,phone\n"Bar Roma,347 1234567\n'));
    expect(error.code).toBe("invalid-csv");
    expect(error.issues[0]?.message).toMatch(/^malformed CSV: /);
  });

  it("accepts semicolon-separated files (Italian spreadsheets) and checks jsystem against the preset", () => {
    const csv = "company;phone;jsystem\nBar Roma;347 1234567;sì\n";
    expect(parseCustomerCsv(csv, { policy: leotron })[0]?.plans).toEqual(["j-system"]);
    expect(issuesOf(() => parseCustomerCsv(csv, { policy: leghorn })).issues).toEqual([
      { row: 2, field: "jsystem", message: "leghorn has no j-system plan" },
    ]);
  });

  it("makes short readable customer codes", () => {
    expect(randomCustomerCode()).toMatch(/^[A-HJ-NP-Z2-9]{6}$/);
  });
});

describe("importCustomersFromCsv", () => {
  it("writes customers, plans, purchases and channel identities", async () => {
    const summary = await importCustomersFromCsv(test.db, GOOD, { policy: leotron });
    expect(summary).toEqual({ rows: 3, created: 3, updated: 0, purchases: 2, identities: 4 });
    const bar = await theRow(test.db, "Customer", `"phone" = '+393471234567'`);
    const purchases = await rowsOf(
      test.db,
      "HardwarePurchase",
      `"customerId" = ? ORDER BY "purchasedOn"`,
      bar.id,
    );
    const identities = await rowsOf(
      test.db,
      "ChannelIdentity",
      `"customerId" = ? ORDER BY "channel"`,
      bar.id,
    );
    expect(bar).toMatchObject({
      company: "Bar Roma",
      email: "info@barroma.it",
      language: "it",
      salesRep: null,
    });
    expect(JSON.parse(bar.plans)).toEqual(["standard", "j-system"]);
    expect(bar.code).toMatch(/^[A-HJ-NP-Z2-9]{6}$/);
    expect(purchases.map((p) => [p.item, p.purchasedOn, p.warrantyMonths])).toEqual([
      ["Stampante", "2025-11-20", 36],
      ["PC cassa", "2026-03-01", 12],
    ]);
    expect(identities.map((i) => [i.channel, i.externalId])).toEqual([
      ["telegram", "123456789"],
      ["whatsapp", "+393471234567"],
    ]);
    const telegramOnly = await theRow(
      test.db,
      "ChannelIdentity",
      `"channel" = 'telegram' AND "externalId" = '@solo_telegram'`,
    );
    expect(await theRow(test.db, "Customer", `"id" = ?`, telegramOnly.customerId)).toMatchObject({
      company: "Solo Telegram Srl",
      phone: null,
      language: "it",
    });
    const codes = (await rowsOf(test.db, "Customer")).map((c) => c.code);
    expect(new Set(codes).size).toBe(3);
  });

  it("re-importing the same phone updates instead of duplicating", async () => {
    await importCustomersFromCsv(test.db, GOOD, { policy: leotron });
    const before = await theRow(test.db, "Customer", `"phone" = '+393471234567'`);
    const again = [
      "company,phone,telegram,plan,jsystem,purchases",
      'Bar Roma Nuovo,+39 347 123 4567,123456789,standard,no,"Server@2026-05-05@24"',
    ].join("\n");
    const summary = await importCustomersFromCsv(test.db, again, { policy: leotron });
    expect(summary).toEqual({ rows: 1, created: 0, updated: 1, purchases: 1, identities: 2 });
    expect(await counts()).toEqual({ customers: 3, purchases: 1, identities: 4 });
    const after = await theRow(test.db, "Customer", `"phone" = '+393471234567'`);
    expect(after.id).toBe(before.id);
    expect(after.code).toBe(before.code);
    expect(after.company).toBe("Bar Roma Nuovo");
    expect(JSON.parse(after.plans)).toEqual(["standard"]);
    // Columns absent from the file are left as they were.
    expect(after.email).toBe("info@barroma.it");
    expect(
      (await rowsOf(test.db, "HardwarePurchase", `"customerId" = ?`, after.id)).map((p) => p.item),
    ).toEqual(["Server"]);
  });

  it("a customer known only by Telegram gets its phone on re-import", async () => {
    await importCustomersFromCsv(test.db, "company,telegram\nSolo Telegram Srl,777\n");
    const summary = await importCustomersFromCsv(
      test.db,
      "company,phone,telegram\nSolo Telegram Srl,347 7654321,777\n",
    );
    expect(summary).toMatchObject({ created: 0, updated: 1 });
    const customer = await theRow(test.db, "Customer", `"phone" = '+393477654321'`);
    const identities = await rowsOf(
      test.db,
      "ChannelIdentity",
      `"customerId" = ? ORDER BY "channel"`,
      customer.id,
    );
    expect(identities.map((i) => [i.channel, i.externalId])).toEqual([
      ["telegram", "777"],
      ["whatsapp", "+393477654321"],
    ]);
    expect(await counts()).toEqual({ customers: 1, purchases: 0, identities: 2 });
  });

  it("a malformed row means nothing is written", async () => {
    const csv = [
      "company,phone,plan",
      "Bar Roma,347 1234567,standard",
      "Pizzeria Bella,not a phone,standard",
      "Edicola Sole,335 1234567,standard",
    ].join("\n");
    await expect(importCustomersFromCsv(test.db, csv, { policy: leotron })).rejects.toMatchObject({
      code: "invalid-rows",
      issues: [{ row: 3, field: "phone", message: 'expected a valid phone number, got "not a phone"' }],
    });
    expect(await counts()).toEqual({ customers: 0, purchases: 0, identities: 0 });
  });

  it("a conflict found while writing rolls back the rows already written", async () => {
    await importCustomersFromCsv(test.db, "company,phone,telegram\nBar Roma,347 1234567,555\n");
    const csv = [
      "company,phone,telegram",
      "Nuovo Cliente,335 1234567,",
      "Altro Cliente,333 1234567,555",
    ].join("\n");
    await expect(importCustomersFromCsv(test.db, csv)).rejects.toMatchObject({
      code: "conflict",
      issues: [{ row: 3, field: "telegram", message: "555 already belongs to another customer" }],
    });
    expect(await counts()).toEqual({ customers: 1, purchases: 0, identities: 2 });
  });
});

describe("sportello customers import (real process)", () => {
  const exec = promisify(execFile);
  async function cli(args: string[]) {
    try {
      const r = await exec(process.execPath, ["src/cli/bin.js", "customers", "import", ...args], {
        cwd: root,
        env: { ...process.env, SPORTELLO_POLICY: "" },
      });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it("imports a good file and prints a JSON summary", async () => {
    const file = join(dir, "good.csv");
    writeFileSync(file, GOOD);
    const r = await cli([file, "--policy", "leotron", "--database-url", test.url]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      file,
      rows: 3,
      created: 3,
      updated: 0,
      purchases: 2,
      identities: 4,
    });
    expect(await counts()).toEqual({ customers: 3, purchases: 2, identities: 4 });
  });

  it("a malformed row: row-numbered report on stderr, exit 1, nothing written", async () => {
    const file = join(dir, "bad.csv");
    writeFileSync(file, "company,phone,plan\nBar Roma,347 1234567,standard\nPizzeria,347 1234567,standard\n");
    const r = await cli([file, "--database-url", test.url]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("nothing imported");
    expect(r.stderr).toContain("row 3, phone: +393471234567 is already on row 2");
    expect(await counts()).toEqual({ customers: 0, purchases: 0, identities: 0 });
  });

  it("a missing file exits 2", async () => {
    const r = await cli([join(dir, "missing.csv"), "--database-url", test.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot read");
  });
});
