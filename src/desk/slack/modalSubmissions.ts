/**
 * Slack → runtime for submitted modals: Close (minutes, resolution, category, plan, billing) and
 * the one-text modals Ask, Note and Authorize. Validation errors travel in the ack itself.
 */
import type { StaffAction } from "../port.js";
import type { DeskContext } from "./deskContext.js";
import {
  decodeMetadata,
  MODAL,
  parseMinutes,
  stateBilling,
  stateCategory,
  statePlan,
  stateValue,
  type ViewStateValues,
} from "./deskModals.js";
import { by, SLACK_ORIGIN } from "./slackDeskRefs.js";
import { mention, safeText } from "./slackText.js";
import { formatCharge } from "./ticketCard.js";

/** Registers the modal submissions on the desk's Bolt app. */
export function registerModalSubmissions(ctx: DeskContext): void {
  const { app } = ctx;
  app.view(MODAL.close, async ({ ack, body, view }) => {
    const values = view.state.values as ViewStateValues;
    const minutes = parseMinutes(stateValue(values, "minutes", MODAL.closeMinutesAction));
    const resolution = stateValue(values, "resolution", "resolution");
    const billing = stateBilling(values);
    if (minutes === null || !resolution || billing === null) {
      // Validation errors must travel in the ack itself; this is quick and needs no I/O.
      await ack({
        response_action: "errors",
        errors: {
          ...(minutes === null ? { minutes: "Type the minutes spent as a whole number (0 or more)." } : {}),
          ...(!resolution ? { resolution: "Describe the resolution for the customer." } : {}),
          ...(billing === null ? { km: "Kilometres and per-diem days are whole numbers (0 or more)." } : {}),
        },
      });
      return;
    }
    await ack();
    const meta = decodeMetadata(view.private_metadata);
    if (!meta) return;
    const user = body.user.id;
    const tell = (text: string) => ctx.ephemeral(meta.channel, user, text, meta.ts);
    await ctx.safely(
      `closing ${meta.ticket}`,
      async () => {
        const category = stateCategory(values);
        const plan = statePlan(values);
        const result = await ctx.act(
          {
            type: "close",
            ticket: meta.ticket,
            by: by(user),
            minutes,
            resolution,
            ...(category ? { category } : {}),
            ...(plan ? { plan } : {}),
            ...(billing ? { billing } : {}),
          },
          user,
          tell,
        );
        if (result?.ok) {
          const charge = result.charge ?? result.ticket.charge;
          await tell(`${meta.ticket} closed: ${minutes} min${charge ? `, ${formatCharge(charge)}` : ""}.`);
        }
      },
      tell,
    );
  });

  const textModalSubmit = (
    callbackId: string,
    toAction: (ticket: string, user: string, text: string) => StaffAction,
    done: string,
  ) => {
    app.view(callbackId, async ({ ack, body, view }) => {
      const text = stateValue(view.state.values as ViewStateValues, "text", "text");
      if (!text) {
        await ack({ response_action: "errors", errors: { text: "This cannot be empty." } });
        return;
      }
      await ack();
      const meta = decodeMetadata(view.private_metadata);
      if (!meta) return;
      const user = body.user.id;
      const tell = (t: string) => ctx.ephemeral(meta.channel, user, t, meta.ts);
      await ctx.safely(
        `${callbackId} on ${meta.ticket}`,
        async () => {
          const result = await ctx.act(toAction(meta.ticket, user, text), user, tell);
          if (result?.ok && meta.channel && meta.ts) {
            await ctx.postThread(
              { channel: meta.channel, ts: meta.ts },
              `${mention(user)} ${done}: ${safeText(text, 2800)}`,
            );
          }
        },
        tell,
      );
    });
  };
  textModalSubmit(
    MODAL.ask,
    (ticket, user, text) => ({ type: "ask", ticket, by: by(user), text, origin: SLACK_ORIGIN }),
    "asked the customer",
  );
  textModalSubmit(
    MODAL.note,
    (ticket, user, text) => ({ type: "note", ticket, by: by(user), text }),
    "added an internal note",
  );
  textModalSubmit(
    MODAL.authorize,
    (ticket, user, text) => ({ type: "authorize", ticket, by: by(user), salesRep: text }),
    "recorded the authorization by sales representative",
  );
}
