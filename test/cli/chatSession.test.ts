import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { CHAT_COMMANDS, runChatSession } from "../../src/cli/chatSession.js";
import type { CliContext } from "../../src/cli/cliContext.js";
import { parseCloseArgs } from "../../src/cli/staffClose.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";
import { createEmptyDatabase } from "../support/testDatabase.js";

/** A terminal chat on a fresh database, driven line by line; `until` awaits text in the output. */
async function startChat() {
  const empty = await createEmptyDatabase();
  const input = new PassThrough();
  let output = "";
  const waiters: { text: string; from: number; resolve: () => void }[] = [];
  const ctx: CliContext = {
    stdout: (s) => {
      output += s;
      for (const w of [...waiters]) {
        if (output.indexOf(w.text, w.from) >= 0) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    },
    stderr: () => undefined,
    env: {},
    now: () => new Date(),
  };
  const session = runChatSession(ctx, {
    policy: loadPolicy("leotron"),
    who: { channel: "local", senderId: "terminal", chatId: "terminal" },
    start: new Date("2026-11-25T10:00:00+01:00"), // a Wednesday morning: open
    databaseUrl: empty.url,
    input,
    interactive: false,
  });
  let mark = 0;
  const chat = {
    session,
    get output() {
      return output;
    },
    /** Output written since the last `send`. */
    get latest() {
      return output.slice(mark);
    },
    send(line: string) {
      mark = output.length;
      input.write(`${line}\n`);
    },
    until(text: string): Promise<void> {
      if (output.indexOf(text, mark) >= 0) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ text, from: mark, resolve }));
    },
    async say(line: string, expected: string) {
      chat.send(line);
      await chat.until(expected);
    },
    /** End of input, as Ctrl-D or the end of a piped script. */
    end() {
      input.end();
    },
    drop: empty.drop,
  };
  await chat.until("Type /help");
  return chat;
}

type Chat = Awaited<ReturnType<typeof startChat>>;
let open: Chat | undefined;
afterEach(async () => {
  if (!open) return;
  open.send("/quit");
  await open.session;
  await open.drop();
  open = undefined;
});

/** Opens a ticket for an unknown customer writing in `language`, answering each question. */
async function openTicket(chat: Chat, language: "it" | "en") {
  const en = language === "en";
  await chat.say(en ? "hello" : "buongiorno", "?");
  await chat.say("Bar Sport", "?");
  await chat.say("Mario, mario@example.com", en ? "describe the problem" : "Descrivi il problema");
  await chat.say(
    en ? "the printer prints nothing since this morning" : "la stampante non stampa niente",
    en ? "Is that right?" : "È corretto?",
  );
  await chat.say("1", en ? "Can you still work?" : "Riesci comunque a lavorare?");
  await chat.say("1", en ? "I accept" : "Accetto");
  await chat.say("1", "LT-2026-00001");
}

describe("sportello chat (terminal)", () => {
  it("refuses an unknown /command with the known ones, sends nothing, and keeps reading", async () => {
    const chat = await startChat();
    open = chat;
    await chat.say("/bogus", "unknown command /bogus");
    for (const command of CHAT_COMMANDS) expect(chat.latest).toContain(command);
    expect(chat.latest).not.toContain("🤖");
    // The next line is still read and answered by the bot.
    await chat.say("buongiorno", "🤖");
    await chat.say("/status", "no ticket yet");
  });

  it("after /staff reopen and /bogus it still answers and /quit ends the session", async () => {
    const chat = await startChat();
    open = chat;
    await openTicket(chat, "it");
    await chat.say("/staff claim", "(LT-2026-00001: claimed, Tecnico)");
    // The charge is shown before the close is confirmed.
    await chat.say(
      "/staff close 30 stampante riconfigurata",
      "(charge 60 min billed: 80.00 EUR + VAT 17.60 EUR = 97.60 EUR: /staff confirm to close",
    );
    await chat.say("/staff confirm", "(LT-2026-00001: closed, Tecnico, charge 97.60 EUR)");
    await chat.say("/staff reopen", "(LT-2026-00001: ");
    // The status line is read back after the action: reopened, the old charge is gone.
    expect(chat.latest).toContain("(LT-2026-00001: claimed, Tecnico)\n");
    expect(chat.latest).not.toContain("charge");
    await chat.say("/bogus", "unknown command /bogus");
    await chat.say("/status", "(LT-2026-00001: claimed, Tecnico)");
    chat.send("/quit");
    await chat.session;
  });

  it("parses a package close with travel, and refuses travel without a package", () => {
    expect(parseCloseArgs("480 package=onsite-day km=95 overnight=1 test sul varco".split(" "))).toEqual({
      minutes: 480,
      resolution: "test sul varco",
      billing: { package: "onsite-day", km: 95, daysOvernight: 1 },
    });
    expect(parseCloseArgs("20 km=10 fatto".split(" "))).toBeNull();
    expect(parseCloseArgs("20 package=day km=1.5 x".split(" "))).toBeNull();
    expect(parseCloseArgs("15 reset".split(" "))).toEqual({ minutes: 15, resolution: "reset" });
  });

  it("names the default technician in the customer's language", async () => {
    const chat = await startChat();
    open = chat;
    await openTicket(chat, "en");
    await chat.say("/staff claim", "(LT-2026-00001: claimed, Technician)");
    expect(chat.latest).toContain("Technician is now handling request LT-2026-00001");
    await chat.say("/staff as Giulia", "(acting as Giulia)");
    await chat.say("/staff reply On my way", "Giulia: On my way");
  });

  it("ends when the input ends, after handling the lines already read", async () => {
    const chat = await startChat();
    chat.send("/status");
    chat.end();
    await chat.session;
    expect(chat.latest).toContain("(no ticket yet in this chat)");
    await chat.drop();
  });
});
