/**
 * `sportello oncall …` on a real database: ways (with a Telegram link code), the weekly rota, a
 * one-off shift and a swap, and `list` saying who is on call now and next.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCaptured } from "../support/cliRun.js";
import { createEmptyDatabase } from "../support/testDatabase.js";

let database: { url: string; drop(): Promise<void> };
// Saturday 27 March 2027, 10:00 in Rome.
const NOW = "2027-03-27T09:00:00Z";

beforeAll(async () => {
  database = await createEmptyDatabase();
});
afterAll(async () => {
  await database?.drop();
});

async function run(args: string[]) {
  const { code, stdout, stderr } = await runCliCaptured(args, {
    env: { DATABASE_URL: database.url, SPORTELLO_POLICY: "leotron" },
    now: NOW,
  });
  return { code, stderr, json: stdout ? JSON.parse(stdout) : null };
}

describe("sportello oncall", () => {
  it("sets ways, the weekly rota, a shift and a swap; lists who is on call now and next", async () => {
    for (const name of ["giulia", "marco", "luca"]) expect((await run(["staff", "add", name])).code).toBe(0);

    const ways = await run([
      "oncall",
      "ways",
      "giulia",
      "telegram",
      "sms:+39 333 000 0001",
      "voice:+393330000001",
    ]);
    expect(ways.code).toBe(0);
    expect(ways.json.ways[0]).toMatch(/^telegram \(not linked: code pg-[a-z0-9]{10}\)$/);
    expect(ways.json.ways.slice(1)).toEqual(["sms:+393330000001", "voice:+393330000001"]);
    expect(ways.stderr).toContain("/start pg-");
    const bad = await run(["oncall", "ways", "giulia", "pigeon"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown way "pigeon"');
    expect((await run(["oncall", "ways", "nobody", "desk"])).code).toBe(2);

    for (const [name, position] of [
      ["giulia", "0"],
      ["marco", "1"],
    ] as const)
      expect(
        (
          await run([
            "oncall",
            "weekly",
            "add",
            name,
            "--day",
            "sat",
            "--start",
            "09:00",
            "--end",
            "18:30",
            "--position",
            position,
          ])
        ).code,
      ).toBe(0);
    expect(
      (await run(["oncall", "weekly", "add", "luca", "--day", "sun", "--start", "09:00", "--end", "13:00"]))
        .code,
    ).toBe(0);

    let list = await run(["oncall", "list"]);
    expect(list.json.onCall).toEqual(["giulia", "marco"]);
    expect(list.json.next).toEqual({ technician: "luca", from: "2027-03-28T07:00:00.000Z" });

    // Luca stands in for Giulia this morning: he is paged first, she is not paged.
    const swap = await run([
      "oncall",
      "swap",
      "giulia",
      "luca",
      "--from",
      "2027-03-27 09:30",
      "--to",
      "2027-03-27 13:00",
    ]);
    expect(swap.code).toBe(0);
    expect(swap.json).toMatchObject({
      technician: "luca",
      replaces: "giulia",
      from: "2027-03-27T08:30:00.000Z",
    });
    list = await run(["oncall", "list", "--at", "2027-03-27T11:00:00+01:00"]);
    expect(list.json.onCall).toEqual(["luca", "marco"]);
    expect(list.json.shifts).toEqual([
      expect.objectContaining({ technician: "luca", replaces: "giulia", to: "2027-03-27T12:00:00.000Z" }),
    ]);
    // After the swap Giulia is back.
    list = await run(["oncall", "list", "--at", "2027-03-27T14:00:00+01:00"]);
    expect(list.json.onCall).toEqual(["giulia", "marco"]);

    // A one-off shift on a Monday night.
    const set = await run([
      "oncall",
      "set",
      "marco",
      "--from",
      "2027-03-29T18:30:00+02:00",
      "--to",
      "2027-03-30T09:00:00+02:00",
    ]);
    expect(set.code).toBe(0);
    list = await run(["oncall", "list", "--at", "2027-03-29T23:00:00+02:00"]);
    expect(list.json.onCall).toEqual(["marco"]);
    const backwards = await run([
      "oncall",
      "set",
      "marco",
      "--from",
      "2027-03-30T10:00",
      "--to",
      "2027-03-30T09:00",
    ]);
    expect(backwards.code).toBe(2);
  });
});
