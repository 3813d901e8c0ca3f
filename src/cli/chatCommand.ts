/**
 * `sportello chat`: talk to the bot from the terminal as a customer, on the real runtime and
 * database. Lines starting with `/staff` act as a technician, so the whole loop (problem →
 * ticket → claim → reply → close → feedback) can be tried without any platform. The session
 * itself is in ./chatSession.ts, loaded only when the command runs.
 */
import type { Command } from "commander";
import type { ChannelName } from "../channels/port.js";
import { loadPolicy } from "../policy/loadPolicy.js";
import { type CliContext, CliError, policyOption, processContext } from "./cliContext.js";
import { parseAt } from "./hoursCommand.js";

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
      const start = options.at ? parseAt(options.at, policy.timezone) : ctx.now();
      const { runChatSession } = await import("./chatSession.js");
      await runChatSession(ctx, {
        policy,
        who,
        start,
        databaseUrl: options.databaseUrl ?? ctx.env.DATABASE_URL ?? "file:./data/sportello.db",
        input: process.stdin,
        interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
      });
    });
}
