/**
 * Slack → runtime for the `/sportello` slash command (parsed by `sportelloCommand`): claim, list
 * and show tickets, send a canned reply, show and set the on-call rota. Answers are ephemeral.
 */
import type { DeskContext, Tell } from "./deskContext.js";
import { by, DESK } from "./slackDeskRefs.js";
import { mention, safeText } from "./slackText.js";
import { parseSportelloCommand, SPORTELLO_HELP, type SportelloCommand } from "./sportelloCommand.js";
import { contactLine, formatCharge, formatWhen, ticketLine } from "./ticketCard.js";

const ROTA_DAYS = 14;

/** Registers the slash command on the desk's Bolt app. */
export function registerSportelloCommand(ctx: DeskContext): void {
  const { commandName } = ctx;
  ctx.app.command(commandName, async ({ ack, command, respond }) => {
    await ack();
    const say = async (text: string) => {
      await respond({ response_type: "ephemeral", text });
    };
    await ctx.safely(
      `${commandName} ${command.text}`,
      async () => {
        const parsed = parseSportelloCommand(command.text ?? "", ctx.zone);
        if (parsed.kind === "help") {
          await say(`${parsed.problem ? `${safeText(parsed.problem, 200)}.\n\n` : ""}${SPORTELLO_HELP}`);
          return;
        }
        const user = command.user_id;
        const tech = await ctx.staff().findTechnician(by(user));
        if (!tech) {
          await say(
            "Only technicians can use /sportello. Ask an admin to link your Slack account to a technician.",
          );
          return;
        }
        await runCommand(ctx, parsed, user, tech.name, say);
      },
      say,
    );
  });
}

type Command = Exclude<SportelloCommand, { kind: "help" }>;

async function runCommand(ctx: DeskContext, parsed: Command, user: string, techName: string, say: Tell) {
  const { commandName, zone } = ctx;
  const staff = ctx.staff();
  switch (parsed.kind) {
    case "claim": {
      const result = await ctx.act({ type: "claim", ticket: parsed.ticket, by: by(user) }, user, say);
      if (result?.ok) await say(`You claimed ${parsed.ticket}.`);
      return;
    }
    case "tickets": {
      const list = await staff.listTickets(parsed.filter, by(user));
      const shown = list.slice(0, 40).map(ticketLine);
      const more = list.length > 40 ? `\n…and ${list.length - 40} more` : "";
      await say(
        list.length
          ? `*Tickets (${parsed.filter})*\n${shown.join("\n")}${more}`
          : `No tickets (${parsed.filter}).`,
      );
      return;
    }
    case "reply": {
      const canned = ctx.options.cannedReplies;
      const keys = canned?.keys("en") ?? [];
      if (!canned || keys.length === 0) {
        await say("No canned replies are configured for this preset.");
        return;
      }
      if (parsed.key === null) {
        await say(
          `*Canned replies* (\`${commandName} reply ${safeText(parsed.ticket, 60)} KEY\`)\n${keys.map((k) => `• \`${k.key}\` — ${safeText(k.title, 120)}`).join("\n")}`,
        );
        return;
      }
      const rendered = await canned.render(parsed.ticket, parsed.key, techName);
      if (!rendered) {
        const known = keys.some((k) => k.key === parsed.key);
        await say(
          known
            ? `Ticket ${safeText(parsed.ticket, 60)} does not exist.`
            : `No canned reply \`${safeText(parsed.key, 60)}\`: try \`${commandName} reply ${safeText(parsed.ticket, 60)}\` for the list.`,
        );
        return;
      }
      const result = await ctx.act(
        { type: "reply", ticket: parsed.ticket, by: by(user), text: rendered.text, origin: "slack" },
        user,
        say,
      );
      if (result?.ok) await say(`Sent to the customer of ${parsed.ticket}: ${safeText(rendered.text, 1500)}`);
      return;
    }
    case "ticket": {
      const ticket = await staff.getTicket(parsed.ticket);
      if (!ticket) {
        await say(`Ticket ${safeText(parsed.ticket, 60)} does not exist.`);
        return;
      }
      const lines = [
        ticketLine(ticket),
        `Customer: ${contactLine(ticket)}`,
        `Opened ${formatWhen(ticket.createdAt, zone)} on ${ticket.channel}`,
        `Description: ${safeText(ticket.description, 1500)}`,
      ];
      if (ticket.minutes !== null) lines.push(`Minutes: ${ticket.minutes}`);
      if (ticket.charge) lines.push(`Charge: ${formatCharge(ticket.charge)}`);
      if (ticket.resolution) lines.push(`Resolution: ${safeText(ticket.resolution, 1000)}`);
      await say(lines.join("\n"));
      return;
    }
    case "oncall": {
      const from = ctx.now();
      const to = new Date(from.getTime() + ROTA_DAYS * 24 * 3600 * 1000);
      const shifts = await staff.listOnCall(from, to);
      const lines = shifts.map(
        (s) =>
          `• ${formatWhen(s.startsAt, zone)} → ${formatWhen(s.endsAt, zone)} — ${safeText(s.technician.name, 80)}${s.technician.identities[DESK] ? ` (${mention(s.technician.identities[DESK])})` : ""}`,
      );
      await say(
        lines.length
          ? `*On-call rota, next ${ROTA_DAYS} days* (${zone})\n${lines.join("\n")}`
          : `Nobody is on call in the next ${ROTA_DAYS} days. Set a shift with \`${commandName} oncall set @user FROM TO\`.`,
      );
      return;
    }
    case "oncall-set": {
      const result = await staff.setOnCall(by(user), {
        technician: by(parsed.slackUserId),
        startsAt: parsed.startsAt,
        endsAt: parsed.endsAt,
      });
      if (!result.ok) {
        await say(
          result.code === "not-technician"
            ? `${mention(parsed.slackUserId)} is not a technician: ${safeText(result.message, 200)}`
            : `Could not set the shift: ${safeText(result.message, 200)}`,
        );
        return;
      }
      await say(
        `On call: ${mention(parsed.slackUserId)} from ${formatWhen(parsed.startsAt.toISOString(), zone)} to ${formatWhen(parsed.endsAt.toISOString(), zone)}.`,
      );
      return;
    }
  }
}
