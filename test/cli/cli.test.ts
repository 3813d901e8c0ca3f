import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { runCliCaptured } from "../support/cliRun.js";

const root = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "sportello-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[], options: { env?: Record<string, string>; now?: string } = {}) {
  return runCliCaptured(args, { env: options.env ?? {}, now: options.now ?? "2026-03-10T10:00:00+01:00" });
}

const exec = promisify(execFile);
async function spawn(file: string, args: string[]) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [file, ...args], {
      cwd: root,
      env: { ...process.env, SPORTELLO_POLICY: "" },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const tsx = join(root, "node_modules/tsx/dist/cli.mjs");

describe("sportello hours", () => {
  it("prints the contract JSON for Easter Monday 2027", async () => {
    const r = await run(["hours", "--policy", "leotron", "--at", "2027-03-29T10:00:00+02:00"]);
    expect(r).toEqual({
      code: 0,
      stderr: "",
      stdout:
        '{"policy":"leotron","at":"2027-03-29T10:00:00+02:00","open":false,"service":"closed","holiday":"easter-monday","closesAt":null,"nextOpenAt":"2027-03-30T09:00:00+02:00","nextOpenService":"weekday"}\n',
    });
  });

  it("--at defaults to now and is echoed in the policy zone", async () => {
    const r = await run(["hours", "--policy", "leghorn"], { now: "2026-07-01T07:30:00Z" });
    expect(JSON.parse(r.stdout)).toEqual({
      policy: "leghorn",
      at: "2026-07-01T09:30:00+02:00",
      open: true,
      service: "weekday",
      holiday: null,
      closesAt: "2026-07-01T13:00:00+02:00",
      nextOpenAt: "2026-07-01T14:00:00+02:00",
      nextOpenService: "weekday",
    });
  });

  it("reads an --at without offset in the policy zone, and a UTC one is converted", async () => {
    const local = await run(["hours", "--policy", "leotron", "--at", "2026-08-15T10:00"]);
    expect(JSON.parse(local.stdout)).toMatchObject({
      at: "2026-08-15T10:00:00+02:00",
      holiday: "assumption",
    });
    const utc = await run(["hours", "--policy", "leotron", "--at", "2026-12-24T23:30:00Z"]);
    expect(JSON.parse(utc.stdout)).toMatchObject({ at: "2026-12-25T00:30:00+01:00", holiday: "christmas" });
  });

  it("takes the preset from $SPORTELLO_POLICY or from a path", async () => {
    const env = await run(["hours", "--at", "2026-06-02T10:00:00+02:00"], {
      env: { SPORTELLO_POLICY: "leotron-web" },
    });
    expect(JSON.parse(env.stdout)).toMatchObject({
      policy: "leotron-web",
      holiday: "republic-day",
      open: false,
    });
    const path = await run([
      "hours",
      "--policy",
      "policies/leotron.yaml",
      "--at",
      "2026-06-02T10:00:00+02:00",
    ]);
    expect(JSON.parse(path.stdout)).toMatchObject({
      policy: "leotron",
      service: "holiday-reduced",
      open: true,
    });
  });

  it("answers for a customer: no weekend promised without weekend service", async () => {
    // Friday 4 June 2027, evening: the company reopens Saturday (weekend service), but only for
    // blocking problems of J-System customers.
    const at = ["--policy", "leotron", "--at", "2027-06-04T19:00:00+02:00"];
    const company = JSON.parse((await run(["hours", ...at])).stdout);
    expect(company).toMatchObject({ nextOpenAt: "2027-06-05T09:00:00+02:00", nextOpenService: "weekend" });
    const standard = JSON.parse((await run(["hours", ...at, "--plan", "standard"])).stdout);
    expect(standard).toMatchObject({ nextOpenAt: "2027-06-07T09:00:00+02:00", nextOpenService: "weekday" });
    const notBlocking = JSON.parse((await run(["hours", ...at, "--plan", "standard,j-system"])).stdout);
    expect(notBlocking).toMatchObject({ nextOpenAt: "2027-06-07T09:00:00+02:00" });
    const eligible = JSON.parse(
      (await run(["hours", ...at, "--plan", "j-system", "--category", "software-usage", "--blocking"]))
        .stdout,
    );
    expect(eligible).toMatchObject({ nextOpenAt: "2027-06-05T09:00:00+02:00", nextOpenService: "weekend" });
    const bad = await run(["hours", ...at, "--plan", "gold"]);
    expect(bad).toMatchObject({ code: 2, stdout: "" });
    expect(bad.stderr).toContain('unknown --plan "gold"');
  });

  it("bad --at: message on stderr, nothing on stdout, exit 2", async () => {
    const r = await run(["hours", "--policy", "leotron", "--at", "yesterday"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^sportello: invalid --at "yesterday": expected an ISO-8601 instant/);
    const bad = await run(["hours", "--policy", "leotron", "--at", "2027-02-30T10:00:00+01:00"]);
    expect(bad.code).toBe(2);
  });

  it("unknown preset: exit 2; no preset at all: exit 2", async () => {
    const r = await run(["hours", "--policy", "nope"]);
    expect(r).toMatchObject({ code: 2, stdout: "" });
    expect(r.stderr).toContain('unknown preset "nope": expected one of leghorn, leotron, leotron-web');
    const none = await run(["hours"]);
    expect(none).toMatchObject({ code: 2, stdout: "" });
    expect(none.stderr).toContain("missing --policy");
  });

  it("broken preset: file, field path and expectation on stderr, exit 1", async () => {
    const file = join(dir, "broken.yaml");
    writeFileSync(
      file,
      readFileSync(join(root, "policies/leotron.yaml"), "utf8").replace(
        '["14:30", "18:30"]]',
        '["25:00", "26:00"]]',
      ),
    );
    const r = await run(["hours", "--policy", file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("broken.yaml");
    expect(r.stderr).toContain(
      'serviceLevels[0].ranges[1][0]: expected a time "HH:MM" between 00:00 and 24:00 (got "25:00")',
    );
  });

  it("unknown command or option: exit 2", async () => {
    expect((await run(["hourz"])).code).toBe(2);
    expect((await run(["hours", "--policy", "leotron", "--when", "now"])).code).toBe(2);
  });
});

describe("sportello charge", () => {
  it("prints the contract JSON", async () => {
    const r = await run(["charge", "--policy", "leotron", "--minutes", "70", "--plan", "none"]);
    expect(r).toEqual({
      code: 0,
      stderr: "",
      stdout:
        '{"covered":false,"plan":null,"billedMinutes":90,"netCents":12000,"vatCents":2640,"grossCents":14640,"currency":"EUR"}\n',
    });
  });

  it("applies --plan, --category and --used-this-month", async () => {
    const r = await run([
      "charge",
      "--policy",
      "leotron-web",
      "--minutes",
      "40",
      "--plan",
      "j-system",
      "--category",
      "virus-removal",
      "--used-this-month",
      "100",
    ]);
    expect(JSON.parse(r.stdout)).toEqual({
      covered: true,
      plan: "j-system",
      billedMinutes: 60,
      netCents: 8000,
      vatCents: 1760,
      grossCents: 9760,
      currency: "EUR",
    });
    const notCovered = await run([
      "charge",
      "--policy",
      "leotron",
      "--minutes",
      "30",
      "--plan",
      "standard",
      "--category",
      "email-setup",
    ]);
    expect(JSON.parse(notCovered.stdout)).toMatchObject({ covered: false, plan: null, billedMinutes: 60 });
  });

  it("bad input: exit 2 with a message", async () => {
    const minutes = await run(["charge", "--policy", "leotron", "--minutes", "ten"]);
    expect(minutes).toMatchObject({ code: 2, stdout: "" });
    expect(minutes.stderr).toContain('invalid --minutes "ten": expected whole minutes');
    const plan = await run(["charge", "--policy", "leotron", "--minutes", "10", "--plan", "gold"]);
    expect(plan.code).toBe(2);
    expect(plan.stderr).toContain(
      'unknown plan "gold" for leotron: expected one of none, standard, j-system, warranty',
    );
    const category = await run([
      "charge",
      "--policy",
      "leotron",
      "--minutes",
      "10",
      "--category",
      "knitting",
    ]);
    expect(category.code).toBe(2);
    expect(category.stderr).toContain('unknown category "knitting"');
    const travelWithoutPackage = await run(["charge", "--policy", "leghorn", "--km", "10"]);
    expect(travelWithoutPackage.code).toBe(2);
    expect(travelWithoutPackage.stderr).toContain("need --package");
    const unknownPackage = await run(["charge", "--policy", "leghorn", "--package", "week"]);
    expect(unknownPackage.code).toBe(2);
    expect(unknownPackage.stderr).toContain(
      'unknown package "week" for leghorn: expected one of half-day, day, onsite-day',
    );
    const travelOnConsultancy = await run([
      "charge",
      "--policy",
      "leghorn",
      "--package",
      "half-day",
      "--km",
      "5",
    ]);
    expect(travelOnConsultancy.code).toBe(2);
    expect(travelOnConsultancy.stderr).toContain('package "half-day" has no travel expenses');
  });

  it("quotes a LeghornGroup package with travel as integer cents with the preset's VAT", async () => {
    const r = await run([
      "charge",
      "--policy",
      "leghorn",
      "--package",
      "onsite-day",
      "--km",
      "87",
      "--days-overnight",
      "2",
      "--days",
      "1",
    ]);
    expect(r.code).toBe(0);
    // 550 + 87 × 0.40 + 2 × 150 + 1 × 50 = 934.80 € net; VAT 22% = 205.66 €.
    expect(JSON.parse(r.stdout)).toEqual({
      covered: false,
      plan: null,
      billedMinutes: 0,
      netCents: 93480,
      vatCents: 20566,
      grossCents: 114046,
      currency: "EUR",
      package: "onsite-day",
      lines: [
        { item: "package", quantity: 1, unitCents: 55000, cents: 55000 },
        { item: "km", quantity: 87, unitCents: 40, cents: 3480 },
        { item: "per-diem-overnight", quantity: 2, unitCents: 15000, cents: 30000 },
        { item: "per-diem", quantity: 1, unitCents: 5000, cents: 5000 },
      ],
    });
    const alias = await run(["charge", "--policy", "leghorn", "--package", "full-day"]);
    expect(JSON.parse(alias.stdout)).toMatchObject({ package: "day", netCents: 40000, grossCents: 48800 });
  });

  it("without --minutes or --package prints the price list with every package and the travel rates", async () => {
    const r = await run(["charge", "--policy", "leghorn"]);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout);
    expect(list.packages.map((p: { key: string; grossCents: number }) => [p.key, p.grossCents])).toEqual([
      ["half-day", 30500],
      ["day", 48800],
      ["onsite-day", 67100],
    ]);
    expect(list.travel).toEqual({ kmCents: 40, perDiemOvernightCents: 15000, perDiemCents: 5000 });
  });
});

describe("real processes", () => {
  it("npx tsx src/cli/main.ts hours prints the contract JSON", async () => {
    const r = await spawn(tsx, [
      "src/cli/main.ts",
      "hours",
      "--policy",
      "leotron",
      "--at",
      "2027-03-29T10:00:00+02:00",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      '{"policy":"leotron","at":"2027-03-29T10:00:00+02:00","open":false,"service":"closed","holiday":"easter-monday","closesAt":null,"nextOpenAt":"2027-03-30T09:00:00+02:00","nextOpenService":"weekday"}\n',
    );
  });

  it("the sportello bin (src/cli/bin.js) runs charge", async () => {
    const r = await spawn("src/cli/bin.js", [
      "charge",
      "--policy",
      "leotron",
      "--minutes",
      "70",
      "--plan",
      "none",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      '{"covered":false,"plan":null,"billedMinutes":90,"netCents":12000,"vatCents":2640,"grossCents":14640,"currency":"EUR"}\n',
    );
  });

  it("a bad --at exits 2 with the message on stderr", async () => {
    const r = await spawn(tsx, ["src/cli/main.ts", "hours", "--policy", "leotron", "--at", "29/03/2027"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain('sportello: invalid --at "29/03/2027"');
  });

  it("an unknown preset exits 2", async () => {
    const r = await spawn("src/cli/bin.js", ["charge", "--policy", "acme", "--minutes", "10"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown preset "acme"');
  });
});
