/**
 * The terminal chat behind `sportello chat`: one customer talking to the real runtime and
 * database, with `/staff …` lines acting as a technician. Reading input never waits for the bot:
 * lines are queued and handled one at a time, a failing line is reported and the next one runs,
 * and `/quit` (or end of input) always ends the session.
 */
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { composeRuntime } from "../app/composeRuntime.js";
import { LocalChannel } from "../channels/local/localChannel.js";
import type { ChannelName, OutboundMessage } from "../channels/port.js";
import { startCoordination } from "../data/coordination.js";
import { migrate, openDatabase } from "../data/database.js";
import * as store from "../data/supportStore.js";
import type { StaffAction, TicketView } from "../desk/port.js";
import { translator } from "../i18n/renderer.js";
import { createLogger } from "../observability/logger.js";
import { CoverageError } from "../policy/coverage.js";
import type { Policy } from "../policy/schema.js";
import type { Clock } from "../runtime/clock.js";
import type { CliContext } from "./cliContext.js";
import { describeCharge, parseCloseArgs } from "./staffClose.js";

/** The session's own commands; any other line starting with "/" is refused, never sent. */
export const CHAT_COMMANDS = ["/staff", "/status", "/advance", "/help", "/quit", "/exit"] as const;

export const CHAT_HELP = `Commands:
  /staff claim | reply TEXT | note TEXT | ask TEXT | reopen | authorize SALES_REP
  /staff close MINUTES [package=KEY km=N overnight=N days=N] RESOLUTION
                        shows the charge first; /staff confirm closes, /staff cancel drops it
  /staff as NAME        act as another technician (default: "Technician", "Tecnico", … in the customer's language)
  /status               the chat's latest ticket: number, status, technician, charge
  /advance 30m|2h|1d    move the clock forward and run due timers
  //text                send "/text" to the bot as the customer
  /help  /quit`;

const STAFF_VERBS = [
  "claim",
  "reply",
  "note",
  "ask",
  "close",
  "confirm",
  "cancel",
  "reopen",
  "authorize",
  "as",
];

/** A clock that starts at `start` and then follows real time; `/advance` jumps it forward. */
class ShiftedClock implements Clock {
  private offset: number;
  constructor(start: Date) {
    this.offset = start.getTime() - Date.now();
  }
  now(): Date {
    return new Date(Date.now() + this.offset);
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

export interface ChatSessionOptions {
  policy: Policy;
  who: { channel: ChannelName; senderId: string; chatId: string };
  start: Date;
  databaseUrl: string;
  /** Lines typed by the user (process.stdin). */
  input: Readable;
  /** Shows a prompt and redraws it around the bot's messages (stdin and stdout are terminals). */
  interactive: boolean;
}

/** One-line status of a ticket; the charge is shown only once the ticket is closed. */
export function statusLine(ticket: TicketView): string {
  const parts: string[] = [ticket.status];
  if (ticket.assignee) parts.push(ticket.assignee.name);
  if (ticket.status === "closed" && ticket.charge) {
    parts.push(`charge ${(ticket.charge.grossCents / 100).toFixed(2)} ${ticket.charge.currency}`);
  }
  return `(${ticket.number}: ${parts.join(", ")})`;
}

/** Runs the chat until `/quit` or end of input. */
export async function runChatSession(ctx: CliContext, options: ChatSessionOptions): Promise<void> {
  const { policy, who } = options;
  const clock = new ShiftedClock(options.start);
  const db = await openDatabase(options.databaseUrl);
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  const prompt = "› ";
  const lines = createInterface({
    input: options.input,
    ...(options.interactive ? { output: process.stdout, terminal: true, prompt } : { terminal: false }),
  });
  // Output while the user may be typing: clear the prompt line, write, redraw prompt and input.
  const say = (text: string) => {
    if (!options.interactive) return ctx.stdout(text);
    ctx.stdout("\r\x1b[K");
    ctx.stdout(text);
    lines.prompt(true);
  };
  const print = (m: OutboundMessage) => {
    let text = `🤖 ${m.text}\n`;
    for (const [i, c] of (m.choices ?? []).entries()) text += `   ${i + 1}. ${c.label}\n`;
    say(text);
  };
  const channel = new LocalChannel({ as: who.channel, now: () => clock.now(), onSend: print });
  // Present for claims like any instance, but not a server that keeps files (see /health).
  const coordination = startCoordination(db, { tool: true });
  const runtime = composeRuntime({
    db,
    coordination,
    policy,
    clock,
    logger: createLogger({ level: ctx.env.LOG_LEVEL ?? "warn" }),
    channels: [channel],
  });
  await runtime.start();
  let technician: string | undefined;

  const latestTicket = async (): Promise<TicketView | null> => {
    const row = await store.latestTicketOfChat(db, who.chatId, who.channel);
    return row ? runtime.getTicket(row.number) : null;
  };

  let pendingClose: StaffAction | null = null;
  const staff = async (line: string) => {
    const [verb = "", ...rest] = line.split(/\s+/);
    const text = rest.join(" ");
    if (!STAFF_VERBS.includes(verb)) {
      say(`(unknown staff command "${verb}")\n${CHAT_HELP}\n`);
      return;
    }
    if (verb === "as") {
      if (!text) say(`(usage: /staff as NAME)\n`);
      else {
        technician = text;
        say(`(acting as ${technician})\n`);
      }
      return;
    }
    const ticket = await latestTicket();
    if (!ticket) {
      say("(no ticket yet in this chat)\n");
      return;
    }
    // The default technician speaks the customer's language (locales: terminal.defaultTechnician).
    const name =
      technician ?? translator().t("terminal.defaultTechnician", { lng: ticket.customer.language });
    await store.upsertTechnician(db, { name });
    const by = { name };
    let action: StaffAction;
    switch (verb) {
      case "claim":
      case "reopen":
        action = { type: verb, ticket: ticket.number, by };
        break;
      case "reply":
      case "note":
      case "ask":
        action = { type: verb, ticket: ticket.number, by, text };
        break;
      case "close": {
        const parsed = parseCloseArgs(rest);
        if (!parsed) {
          say("(usage: /staff close MINUTES [package=KEY km=N overnight=N days=N] RESOLUTION)\n");
          return;
        }
        let preview: Awaited<ReturnType<typeof runtime.previewCharge>>;
        try {
          preview = await runtime.previewCharge(ticket.number, parsed.minutes, undefined, parsed.billing);
        } catch (error) {
          if (!(error instanceof CoverageError)) throw error;
          say(`(refused: ${error.code} — ${error.message})\n`);
          return;
        }
        if (!preview) {
          say(`(refused: unknown-ticket — ${ticket.number})\n`);
          return;
        }
        pendingClose = { type: "close", ticket: ticket.number, by, ...parsed };
        say(`(charge ${describeCharge(preview)}: /staff confirm to close, /staff cancel to drop)\n`);
        return;
      }
      case "confirm":
        if (!pendingClose) {
          say("(nothing to confirm: /staff close first)\n");
          return;
        }
        action = pendingClose;
        pendingClose = null;
        break;
      case "cancel":
        pendingClose = null;
        say("(close dropped)\n");
        return;
      default:
        action = { type: "authorize", ticket: ticket.number, by, salesRep: text };
    }
    const result = await runtime.perform(action);
    if (!result.ok) say(`(refused: ${result.code} — ${result.message})\n`);
    await runtime.runDueJobs();
    // The status line is read back after every action, so it shows what the ticket is now.
    const now = await runtime.getTicket(ticket.number);
    if (now) say(`${statusLine(now)}\n`);
  };

  const advance = async (line: string) => {
    const m = /^\/advance\s+(\d+)(m|h|d)$/.exec(line);
    if (!m) {
      say("(usage: /advance 30m|2h|1d)\n");
      return;
    }
    clock.advance(Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "m" | "h" | "d"]);
    say(`(clock: ${clock.now().toISOString()})\n`);
    await runtime.runDueJobs();
  };

  let counter = 0;
  const handle = async (raw: string) => {
    const line = raw.trim();
    if (line === "") return;
    if (line.startsWith("/") && !line.startsWith("//")) {
      const command = line.split(/\s+/, 1)[0]!;
      if (command === "/help") say(`${CHAT_HELP}\n`);
      else if (command === "/staff") await staff(line.slice("/staff".length).trim());
      else if (command === "/status") {
        const ticket = await latestTicket();
        say(ticket ? `${statusLine(ticket)}\n` : "(no ticket yet in this chat)\n");
      } else if (command === "/advance") await advance(line);
      else say(`(unknown command ${command}: it was not sent; known commands: ${CHAT_COMMANDS.join(" ")})\n`);
      return;
    }
    counter++;
    await channel.receive(
      channel.message(who.chatId, line.startsWith("//") ? line.slice(1) : raw, {
        senderId: who.senderId,
        platformMessageId: `terminal-${Date.now()}-${counter}`,
      }),
    );
    await runtime.runDueJobs();
  };

  say(
    `sportello chat — ${policy.company} (${policy.id}) as ${who.channel}:${who.senderId}. Type /help for the commands.\n`,
  );

  // Lines are handled one at a time, in order, while reading goes on; /quit ends at once.
  await new Promise<void>((resolve) => {
    let pending = Promise.resolve();
    let closed = false;
    // The line being handled may finish (5 s at most), so the database is not closed under it.
    const finish = () => {
      if (closed) return;
      closed = true;
      lines.close();
      void Promise.race([pending, new Promise((done) => setTimeout(done, 5_000).unref())]).then(() =>
        resolve(),
      );
    };
    lines.on("line", (raw) => {
      const command = raw.trim();
      if (command === "/quit" || command === "/exit") return finish();
      pending = pending
        .then(() => (closed ? undefined : handle(raw)))
        .catch((error: unknown) => {
          if (!closed)
            say(`(error: ${error instanceof Error ? error.message : String(error)}; the chat goes on)\n`);
        })
        .then(() => {
          if (options.interactive && !closed) lines.prompt();
        });
    });
    // End of input (Ctrl-D, or a piped script): the lines already read are handled first.
    lines.on("close", () => void pending.then(finish));
    lines.on("SIGINT", finish);
    if (options.interactive) lines.prompt();
  });
  // A job stuck on a dead connection must not keep /quit from quitting.
  const stopped = await Promise.race([
    runtime.stop().then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), 5_000).unref()),
  ]);
  if (!stopped) ctx.stderr("(the runtime did not stop within 5 s; leaving anyway)\n");
  await coordination.close().catch(() => undefined);
  await db.close();
}
