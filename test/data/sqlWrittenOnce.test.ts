/**
 * Every query written once (issue 22): the stores build their SQL with the query builder
 * (`statement`, `insertRow`, `rowReader` of `src/data/schema`), compiled once for both providers.
 * This check fails when a file of `src/data` holds a hand-written SQL statement: a string or
 * template literal (tagged ones too, e.g. Kysely's `sql`) whose text starts with SELECT, INSERT,
 * UPDATE, DELETE or WITH. Comments are not code, so TSDoc may still show SQL. Fragments that are
 * not statements (`pg_advisory_xact_lock(…)` inside a builder's `sql`) are what the builder cannot
 * express, and are allowed.
 *
 * The files are read from the folder, so a new store is checked without editing this test.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");
const dataDir = join(root, "src/data");

/**
 * Files that may hold SQL statement texts, each with why: the executors themselves and the
 * connection set-up, which run the statements the stores build (or that no builder writes).
 * `only`: the statements the file may hold (the rest of it is checked like any store's).
 * Paths relative to `src/data`.
 */
const EXECUTOR_FILES: Record<string, { why: string; only?: RegExp[] }> = {
  // The SQLite executor: savepoints and group commit (SAVEPOINT/RELEASE/ROLLBACK TO).
  "sqlTx.ts": { why: "SQLite executor" },
  // The PostgreSQL executor: BEGIN/COMMIT, and writeExpecting's wrapper, which turns any store
  // statement into `WITH "changed" AS (<statement> RETURNING 1) SELECT sportello_expect_rows(…)`.
  "pgTx.ts": { why: "PostgreSQL executor" },
  // PostgreSQL transactions, sessions and one-trip runs: BEGIN/COMMIT/ROLLBACK, timeouts.
  "pgTransaction.ts": { why: "PostgreSQL transactions" },
  // PostgreSQL group commit of shared transactions.
  "pgGroupCommit.ts": { why: "PostgreSQL group commit" },
  // The SQLite connection: PRAGMAs, BEGIN/COMMIT of the group commit, the statement cache.
  "sqliteConnection.ts": { why: "SQLite connection" },
  // Connection set-up: the reachability probe when a pool opens. Its health probe's write is a
  // statement like a store's, so it is not allowed here.
  "database.ts": { why: "connection set-up", only: [/^SELECT 1$/] },
  // CREATE DATABASE / DROP DATABASE on the admin connection (no builder writes them).
  "scratchDatabase.ts": { why: "scratch databases" },
};

/**
 * A hand-written statement's start, any case: SELECT, INSERT INTO, UPDATE <table> SET,
 * DELETE FROM, or WITH <name> AS ( (the shapes, so that an English message such as "with no
 * row" or "update failed" is not taken for SQL).
 */
const STATEMENT_START =
  /^\s*(?:select[\s"(*]|insert\s+into\b|update\s+\S+\s+set\b|delete\s+from\b|with\s+(?:recursive\s+)?\S+(?:\s*\([^)]*\))?\s+as\s*(?:not\s+)?(?:materialized\s+)?\()/i;

/** The hand-written SQL statements in a source text, but those `allowed`, as "line: text". */
function handWrittenSql(text: string, fileName = "file.ts", allowed: RegExp[] = []): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    let literal: string | null = null;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) literal = node.text;
    else if (ts.isTemplateExpression(node)) literal = node.head.text;
    if (literal !== null && STATEMENT_START.test(literal) && !allowed.some((re) => re.test(literal.trim()))) {
      const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      found.push(`${line}: ${literal.trim().split("\n")[0]!.slice(0, 80)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The TypeScript files under `dir`, as paths relative to `src/data`. */
function dataFiles(dir = dataDir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return dataFiles(path);
    return entry.name.endsWith(".ts") ? [relative(dataDir, path)] : [];
  });
}

describe("every query written once", () => {
  it("no file of src/data but the executors holds a hand-written SQL statement", () => {
    // Executor files are left out, but those allowed only some statements.
    const files = dataFiles().filter((file) => !(file in EXECUTOR_FILES) || EXECUTOR_FILES[file]!.only);
    expect(files.length).toBeGreaterThan(20);
    const broken = files.flatMap((file) =>
      handWrittenSql(readFileSync(join(dataDir, file), "utf8"), file, EXECUTOR_FILES[file]?.only).map(
        (v) => `src/data/${file}:${v}`,
      ),
    );
    expect(broken).toEqual([]);
  });

  it("every file the allow-list names exists (a renamed executor leaves no stale exception)", () => {
    const files = new Set(dataFiles());
    expect(Object.keys(EXECUTOR_FILES).filter((file) => !files.has(file))).toEqual([]);
  });

  it("catches statements in strings and templates, in any case, and nothing in comments", () => {
    expect(handWrittenSql(`const A = "SELECT 1";`)).toEqual(["1: SELECT 1"]);
    expect(handWrittenSql(`const A = 'insert into "Job" ("id") values (?)';`)).toHaveLength(1);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text under test has a template
    expect(handWrittenSql('const A = `\n  UPDATE "Job" SET x = ${y}`;')).toHaveLength(1);
    expect(handWrittenSql('tx.run(`DELETE FROM "Job" WHERE "id" = ?`, id);')).toHaveLength(1);
    expect(handWrittenSql('tx.rows(`WITH "x" AS (SELECT 1) SELECT * FROM "x"`);')).toHaveLength(1);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text under test has a template
    expect(handWrittenSql("qb.selectNoFrom(sql`select ${a}`.as('x'));")).toHaveLength(1);
    expect(handWrittenSql(`/** SELECT "id" FROM "Job" */\n// DELETE FROM "Job"\nconst a = 1;`)).toEqual([]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text under test has a template
    expect(handWrittenSql("const f = sql`pg_advisory_xact_lock(hashtextextended(${k}, 0))`;")).toEqual([]);
    expect(handWrittenSql(`throw new Error("with no row to update");`)).toEqual([]);
    expect(handWrittenSql(`pool.query("SELECT 1"); tx.run("SELECT 2");`, "x.ts", [/^SELECT 1$/])).toEqual([
      "1: SELECT 2",
    ]);
  });
});
