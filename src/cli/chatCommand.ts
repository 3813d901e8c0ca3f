/**
 * `sportello chat`: talk to the bot from the terminal as a customer, on the real runtime and
 * database. Lines starting with `/staff` act as a technician, so the whole loop (problem →
 * ticket → claim → reply → close → feedback) can be tried without any platform.
 */
import { createInterface } from "node:readline";
import type { Command } from "commander";
import { detectLanguage } from "../ai/classifier.js";
import { createOfflineTriage } from "../app/offlineTriage.js";
import { LocalChannel } from "../channels/local/localChannel.js";
import type { ChannelName, OutboundMessage } from "../channels/port.js";
import { migrate, openDatabase } from "../data/database.js";
import * as store from "../data/supportStore.js";
import type { ChargeView, PackageBilling, StaffAction } from "../desk/port.js";
import { createLogger } from "../observability/logger.js";
import { loadPolicy } from "../policy/loadPolicy.js";
import type { Clock } from "../runtime/clock.js";
import { SupportRuntime } from "../runtime/supportRuntime.js";
import { type CliContext, CliError, policyOption, processContext } from "./cliContext.js";
import { parseAt } from "./hoursCommand.js";

const HELP = `Commands:
  /staff claim | reply TEXT | note TEXT | ask TEXT | reopen | authorize SALES_REP
  /staff close MINUTES [package=KEY km=N overnight=N days=N] RESOLUTION
                        shows the charge; /staff confirm closes (/staff cancel drops it)
  /staff as NAME        act as another technician (default: tecnico)
  /advance 30m|2h|1d    move the clock forward and run due timers
  /help  /quit`;

/**
 * `/staff close` arguments: MINUTES, then optional package=KEY km=N overnight=N days=N, then the
 * resolution. Null when the minutes or a count is not a whole number.
 */
export function parseCloseArgs(
  words: string[],
): { minutes: number; resolution: string; billing?: PackageBilling } | null {
  const [first, ...rest] = words;
  if (!first || !/^\d+$/.test(first)) return null;
  const billing: PackageBilling = { package: "" };
  let i = 0;
  for (; i < rest.length; i++) {
    const m = /^(package|km|overnight|days)=(\S+)$/.exec(rest[i]!);
    if (!m) break;
    if (m[1] === "package") billing.package = m[2]!;
    else {
      if (!/^\d+$/.test(m[2]!)) return null;
      const n = Number(m[2]);
      if (m[1] === "km") billing.km = n;
      else if (m[1] === "overnight") billing.daysOvernight = n;
      else billing.days = n;
    }
  }
  const resolution = rest.slice(i).join(" ") || "-";
  if (billing.package === "") {
    if (billing.km !== undefined || billing.daysOvernight !== undefined || billing.days !== undefined)
      return null;
    return { minutes: Number(first), resolution };
  }
  return { minutes: Number(first), resolution, billing };
}

function describeCharge(charge: ChargeView): string {
  const money = (cents: number) => `${(cents / 100).toFixed(2)} ${charge.currency}`;
  const what = charge.package
    ? `package ${charge.package}${(charge.lines ?? [])
        .filter((l) => l.item !== "package")
        .map((l) => ` + ${l.quantity} ${l.item}`)
        .join("")}`
    : `${charge.billedMinutes} min billed${charge.covered ? ` (plan ${charge.plan})` : ""}`;
  return `${what}: ${money(charge.netCents)} + VAT ${money(charge.vatCents)} = ${money(charge.grossCents)}`;
}

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

/** Parses `--as channel:id`, e.g. whatsapp:+393331234567 or telegram:123456. */
export function parseIdentity(value: string): { channel: ChannelName; senderId: string; chatId: string } {
  const match = /^(whatsapp|telegram|web|local):(.+)$/.exec(value.trim());
  if (!match)
    throw new CliError(
      `invalid --as "${value}": expected whatsapp:+393331234567, telegram:123456 or local:NAME`,
    );
  const channel = match[1] as ChannelName;
  const id = match[2]!.trim();
  if (channel === "whatsapp") {
    if (!/^\+\d{6,15}$/.test(id))
      throw new CliError(`invalid WhatsApp number "${id}": expected E.164 such as +393331234567`);
    return { channel, senderId: id, chatId: `${id.slice(1)}@c.us` };
  }
  return { channel, senderId: id, chatId: id };
}

export function registerChatCommand(program: Command, ctx: CliContext = processContext()): void {
  program
    .command("chat")
    .description("chat with the bot in the terminal as a customer; /staff lines act as a technician")
    .option("--policy <name|path>", "preset name or YAML path; default $SPORTELLO_POLICY")
    .option("--as <channel:id>", "who you are, e.g. whatsapp:+393331234567", "local:terminal")
    .option("--at <instant>", "start the clock at this ISO-8601 instant (default: now)")
    .option("--database-url <url>", "database (default $DATABASE_URL or file:./data/sportello.db)")
    .action(async (options: { policy?: string; as: string; at?: string; databaseUrl?: string }) => {
      const policy = loadPolicy(policyOption(ctx, options.policy ?? ctx.env.SPORTELLO_POLICY ?? "leotron"));
      const who = parseIdentity(options.as);
      const clock = new ShiftedClock(options.at ? parseAt(options.at, policy.timezone) : ctx.now());
      const db = await openDatabase(
        options.databaseUrl ?? ctx.env.DATABASE_URL ?? "file:./data/sportello.db",
      );
      await migrate(db);
      const print = (m: OutboundMessage) => {
        ctx.stdout(`\n🤖 ${m.text}\n`);
        for (const [i, c] of (m.choices ?? []).entries()) ctx.stdout(`   ${i + 1}. ${c.label}\n`);
      };
      const channel = new LocalChannel({ as: who.channel, now: () => clock.now(), onSend: print });
      const runtime = new SupportRuntime({
        db,
        policy,
        clock,
        logger: createLogger({ level: ctx.env.LOG_LEVEL ?? "warn" }),
        channels: [channel],
        offlineTriage: createOfflineTriage(policy),
        detectLanguage,
      });
      await runtime.start();
      let technician = "tecnico";
      ctx.stdout(
        `sportello chat — ${policy.company} (${policy.id}) as ${who.channel}:${who.senderId}. Type /help.\n`,
      );

      const latestTicket = async () =>
        (
          await db.prisma.ticket.findFirst({
            where: { channel: who.channel, chatId: who.chatId },
            orderBy: { createdAt: "desc" },
          })
        )?.number;

      let pendingClose: StaffAction | null = null;
      const staff = async (line: string) => {
        const [verb = "", ...rest] = line.split(/\s+/);
        const text = rest.join(" ");
        if (verb === "as") {
          technician = text || technician;
          ctx.stdout(`(acting as ${technician})\n`);
          return;
        }
        await store.upsertTechnician(db.prisma, { name: technician });
        const ticket = await latestTicket();
        if (!ticket) {
          ctx.stdout("(no ticket yet in this chat)\n");
          return;
        }
        const by = { name: technician };
        let action: StaffAction;
        switch (verb) {
          case "claim":
            action = { type: "claim", ticket, by };
            break;
          case "reply":
          case "note":
          case "ask":
            action = { type: verb, ticket, by, text };
            break;
          case "close": {
            const parsed = parseCloseArgs(rest);
            if (!parsed) {
              ctx.stdout("(usage: /staff close MINUTES [package=KEY km=N overnight=N days=N] RESOLUTION)\n");
              return;
            }
            const preview = await runtime.previewCharge(ticket, parsed.minutes, undefined, parsed.billing);
            if (!preview) {
              ctx.stdout("(refused: invalid-input — unknown package or travel on a package without it)\n");
              return;
            }
            pendingClose = { type: "close", ticket, by, ...parsed };
            ctx.stdout(
              `(charge ${describeCharge(preview)}: /staff confirm to close, /staff cancel to drop)\n`,
            );
            return;
          }
          case "confirm":
            if (!pendingClose) {
              ctx.stdout("(nothing to confirm: /staff close first)\n");
              return;
            }
            action = pendingClose;
            pendingClose = null;
            break;
          case "cancel":
            pendingClose = null;
            ctx.stdout("(close dropped)\n");
            return;
          case "reopen":
            action = { type: "reopen", ticket, by };
            break;
          case "authorize":
            action = { type: "authorize", ticket, by, salesRep: text };
            break;
          default:
            ctx.stdout(`(unknown staff command "${verb}")\n${HELP}\n`);
            return;
        }
        const result = await runtime.perform(action);
        if (!result.ok) ctx.stdout(`(refused: ${result.code} — ${result.message})\n`);
        else {
          const charge = result.ticket.charge
            ? `, charge ${(result.ticket.charge.grossCents / 100).toFixed(2)} ${result.ticket.charge.currency}`
            : "";
          ctx.stdout(
            `(${ticket}: ${result.ticket.status}${result.ticket.assignee ? `, ${result.ticket.assignee.name}` : ""}${charge})\n`,
          );
        }
        await runtime.runDueJobs();
      };

      let counter = 0;
      const lines = createInterface({ input: process.stdin, terminal: false });
      try {
        for await (const raw of lines) {
          const line = raw.trim();
          if (line === "/quit" || line === "/exit") break;
          if (line === "/help") {
            ctx.stdout(`${HELP}\n`);
          } else if (line.startsWith("/staff")) {
            await staff(line.slice("/staff".length).trim());
          } else if (line.startsWith("/advance")) {
            const m = /^\/advance\s+(\d+)(m|h|d)$/.exec(line);
            if (!m) ctx.stdout("(usage: /advance 30m|2h|1d)\n");
            else {
              clock.advance(
                Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "m" | "h" | "d"],
              );
              ctx.stdout(`(clock: ${clock.now().toISOString()})\n`);
              await runtime.runDueJobs();
            }
          } else {
            counter++;
            await channel.receive(
              channel.message(who.chatId, raw, {
                senderId: who.senderId,
                platformMessageId: `terminal-${Date.now()}-${counter}`,
              }),
            );
            await runtime.runDueJobs();
          }
        }
      } finally {
        await runtime.stop();
        await db.close();
      }
    });
}
