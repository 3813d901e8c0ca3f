/**
 * What the customer actually wrote in an e-mail: the new text above the quoted conversation and
 * the signature. Reply headers of the common clients (Gmail, Outlook, Apple Mail, Thunderbird) in
 * Italian and English end the new text, as do quoted (`>`) blocks and the signature delimiter.
 */

const QUOTE_HEADERS: RegExp[] = [
  // "On Mon, 3 Mar 2027 at 10:00, Mario <m@x.it> wrote:" (may wrap onto two lines)
  /^\s*on\b.{0,200}\bwrote:\s*$/i,
  /^\s*il (giorno )?.{0,200}\bha scritto:\s*$/i,
  /^\s*-{2,}\s*(original message|messaggio originale|forwarded message|messaggio inoltrato)\s*-{2,}\s*$/i,
  /^\s*_{10,}\s*$/,
  // Outlook's header block: "From: …" / "Da: …" followed by Sent/Inviato or To/A
  /^\s*(from|da|de|von):\s.+$/i,
];

const SIGNATURE_STARTS: RegExp[] = [
  /^--\s?$/,
  /^\s*(sent from my|inviato da|inviato dal mio|get outlook for)\b/i,
];

/**
 * The text a customer wrote, without the quoted previous messages and the signature. When
 * stripping would leave nothing (a reply written below the quote), the unquoted lines are kept.
 */
export function newTextOfReply(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const twoLines = `${line} ${lines[i + 1] ?? ""}`;
    if (QUOTE_HEADERS.some((re) => re.test(line))) break;
    if (/^\s*(on|il)\b/i.test(line) && QUOTE_HEADERS.slice(0, 2).some((re) => re.test(twoLines))) break;
    if (SIGNATURE_STARTS.some((re) => re.test(line))) break;
    if (/^\s*>/.test(line)) {
      // A quote block ends the new text unless the customer writes again below it.
      const rest = lines.slice(i).filter((l) => !/^\s*>/.test(l) && l.trim() !== "");
      if (rest.length === 0) break;
      continue;
    }
    kept.push(line);
  }
  const result = tidy(kept.join("\n"));
  if (result !== "") return result;
  return tidy(lines.filter((l) => !/^\s*>/.test(l)).join("\n"));
}

/** Trims trailing spaces and collapses runs of blank lines. */
function tidy(text: string): string {
  return text
    .split("\n")
    .map((l) => l.replace(/\s+$/, ""))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
