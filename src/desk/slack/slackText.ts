/**
 * Text that comes from customers (descriptions, messages, names) must never ping anyone nor
 * inject links or markup into the staff channel. Slack's rules: escape `&`, `<`, `>` as HTML
 * entities, which turns `<!channel>`, `<!here>`, `<!everyone>`, `<@U…>`, `<#C…>` and `<url|label>`
 * into inert text. Bare `@channel`/`@here`/`@everyone` only ping with `link_names`, which we never
 * set, but they get a word joiner anyway so that a future `link_names: true` cannot make them live.
 */

const WORD_JOINER = "\u2060";

/** Escapes untrusted text for a Slack `mrkdwn` field or a message `text`. */
export function escapeSlackText(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/@(channel|here|everyone)\b/gi, `@${WORD_JOINER}$1`);
}

/** Cuts text to `max` characters (Slack section text is limited to 3000). */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Escaped and truncated untrusted text, safe to embed in our own mrkdwn. */
export function safeText(text: string, max = 2800): string {
  // Truncate before escaping so an entity is never cut in half.
  return escapeSlackText(truncate(text, max));
}

/** A Slack user mention; only ever built from ids Slack gave us. */
export function mention(slackUserId: string): string {
  return /^[UW][A-Z0-9]+$/.test(slackUserId) ? `<@${slackUserId}>` : escapeSlackText(slackUserId);
}

/** Formats integer cents, e.g. `€ 73,20`. */
export function formatCents(cents: number, currency: string): string {
  const symbol = currency === "EUR" ? "€" : currency;
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${symbol} ${Math.floor(abs / 100)},${String(abs % 100).padStart(2, "0")}`;
}
