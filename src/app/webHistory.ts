/**
 * A web chat's stored lines for the web channel's history: what a page reloaded after a restart,
 * or streaming from another instance, shows. Inbound lines and delivered outbound ones only,
 * each with the id it had when it was shown live.
 */
import type { WebHistoryLine } from "../channels/web/webChannel.js";
import type { Database } from "../data/database.js";
import * as store from "../data/supportStore.js";

/** The last `limit` lines of web chat `chatId`, oldest first. */
export async function webHistory(db: Database, chatId: string, limit = 200): Promise<WebHistoryLine[]> {
  return (await store.chatTranscript(db, "web", chatId, limit))
    .filter((line) => line.direction === "in" || line.delivered)
    .map((line) => {
      // The web channel stores a message as "<chat id>:<client message id>".
      const clientId = line.platformMessageId?.startsWith(`${chatId}:`)
        ? line.platformMessageId.slice(chatId.length + 1)
        : undefined;
      return {
        direction: line.direction === "in" ? ("in" as const) : ("out" as const),
        text: line.text,
        at: line.at,
        ...(line.direction === "in" ? (clientId ? { clientId } : {}) : { outboxId: line.id }),
        ...(line.body.choices ? { choices: line.body.choices } : {}),
      };
    });
}
