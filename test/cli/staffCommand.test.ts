/**
 * `sportello staff …` on a real database: invite (one-time link, roles, desk identities), reset,
 * disable/enable, role and list, and their errors.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/data/database.js";
import { createStaffAccessStore } from "../../src/data/staffAccessStore.js";
import { createStaffAuth } from "../../src/desk/board/staffAuth.js";
import { runCliCaptured } from "../support/cliRun.js";
import { createEmptyDatabase } from "../support/testDatabase.js";

let database: { url: string; drop(): Promise<void> };
const NOW = "2026-11-25T10:00:00Z";

beforeAll(async () => {
  database = await createEmptyDatabase();
});
afterAll(async () => {
  await database?.drop();
});

async function run(
  args: string[],
  env: Record<string, string> = { PUBLIC_URL: "https://support.example.com" },
) {
  const { code, stdout, stderr } = await runCliCaptured(["staff", ...args], {
    env: { DATABASE_URL: database.url, ...env },
    now: NOW,
  });
  return { code, stderr, json: stdout ? JSON.parse(stdout) : null };
}

describe("sportello staff", () => {
  it("invites with a one-time link, records desk identities and roles, lists who can get in", async () => {
    const invited = await run([
      "invite",
      "Marco Rossi",
      "--role",
      "admin",
      "--slack-user",
      "U012AB3CD",
      "--email",
      "Marco@Example.com",
    ]);
    expect(invited.code).toBe(0);
    expect(invited.json.inviteLink).toMatch(
      /^https:\/\/support\.example\.com\/staff\/invite\?token=[\w-]{43}$/,
    );
    expect(invited.json.expiresAt).toBe("2026-11-26T10:00:00.000Z");
    expect(invited.stderr).toContain("works once");
    expect((await run(["add", "Giulia"])).code).toBe(0);
    const list = await run(["list"]);
    expect(list.json).toEqual([
      {
        name: "Giulia",
        role: "technician",
        active: true,
        board: "invite-pending",
        inviteExpiresAt: "2026-11-26T10:00:00.000Z",
        slackUserId: null,
        email: null,
        sessions: 0,
      },
      {
        name: "Marco Rossi",
        role: "admin",
        active: true,
        board: "invite-pending",
        inviteExpiresAt: "2026-11-26T10:00:00.000Z",
        slackUserId: "U012AB3CD",
        email: "marco@example.com",
        sessions: 0,
      },
    ]);
    // The printed link is the one that works, once.
    const db = await openDatabase(database.url);
    try {
      const auth = createStaffAuth({ store: createStaffAccessStore(db), now: () => new Date(NOW) });
      const token = new URL(invited.json.inviteLink).searchParams.get("token")!;
      await auth.acceptInvite(token, "marco's passphrase");
      await expect(auth.acceptInvite(token, "marco's passphrase")).rejects.toMatchObject({
        code: "invite-used",
      });
    } finally {
      await db.close();
    }
    expect((await run(["list"])).json[1]).toMatchObject({ board: "password", sessions: 1 });
  });

  it("reset, disable, enable and role", async () => {
    const reset = await run(["reset", "marco rossi"]);
    expect(reset.code).toBe(0);
    expect(reset.json.resetLink).toContain("/staff/invite?token=");
    expect((await run(["list"])).json[1]).toMatchObject({ board: "invite-pending", sessions: 0 });
    expect((await run(["disable", "Giulia"])).json).toEqual({ technician: "Giulia", active: false });
    expect((await run(["list"])).json[0]).toMatchObject({ board: "disabled", inviteExpiresAt: null });
    expect((await run(["enable", "Giulia"])).json).toEqual({ technician: "Giulia", active: true });
    expect((await run(["role", "Giulia", "admin"])).json).toEqual({ technician: "Giulia", role: "admin" });
  });

  it("refuses bad input with a clear message", async () => {
    expect((await run(["invite", "<script>"])).code).toBe(2);
    expect((await run(["invite", "Anna", "--role", "boss"])).code).toBe(2);
    expect((await run(["invite", "Anna", "--slack-user", "marco"])).code).toBe(2);
    const unknown = await run(["reset", "Nobody"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("No technician named Nobody");
    expect((await run(["role", "Giulia", "owner"])).code).toBe(2);
    const taken = await run(["invite", "Luca", "--slack-user", "U012AB3CD"]);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain("belongs to another technician");
  });
});

describe("sportello staff invite links", () => {
  it("prints the link for the board's real address (HOST, PORT) and warns when nothing answers there", async () => {
    const board = createServer((_req, res) => res.end("{}"));
    await new Promise<void>((resolve) => board.listen(0, "127.0.0.1", resolve));
    const port = (board.address() as AddressInfo).port;
    try {
      const answering = await run(["invite", "Lia"], { PORT: String(port), HOST: "0.0.0.0" });
      expect(answering.json.inviteLink).toMatch(
        new RegExp(`^http://127\\.0\\.0\\.1:${port}/staff/invite\\?token=`),
      );
      expect(answering.stderr).not.toContain("nothing answers");
    } finally {
      await new Promise((resolve) => board.close(resolve));
    }
    const silent = await run(["reset", "Lia"], { PORT: String(port), HOST: "127.0.0.1" });
    expect(silent.json.resetLink).toContain(`http://127.0.0.1:${port}/staff/invite?token=`);
    expect(silent.stderr).toContain(`Warning: nothing answers at http://127.0.0.1:${port}`);
  });
});
