/**
 * Numbered choice lists for WhatsApp. Interactive buttons and lists are gone from WhatsApp Web,
 * so a choice list travels as plain text ("1. …\n2. …") and the customer answers by typing a
 * number or the option's words; these two pure functions are the whole protocol.
 */
import type { Choice } from "../port.js";

/** Renders `text` followed by the choices as a numbered list, one per line. */
export function renderNumberedChoices(text: string, choices: readonly Choice[]): string {
  if (choices.length === 0) return text;
  const list = choices.map((choice, index) => `${index + 1}. ${choice.label}`).join("\n");
  return text.trim() === "" ? list : `${text}\n\n${list}`;
}

/** Keycap emoji digits ("2️⃣") some phones offer as quick replies. */
const KEYCAP = /([0-9])\uFE0F?\u20E3/gu;

/** Lower-case, accents stripped, anything that is not a letter or digit folded to one space. */
function fold(text: string): string {
  return text
    .replace(KEYCAP, "$1")
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** Free text longer than this is a sentence, not an answer to the list. */
const MAX_ANSWER_WORDS = 4;

/**
 * Maps a customer's reply to the id of one of `choices`, or `undefined` when the reply is not
 * clearly one of them. Accepts the number ("2", "2.", " 2 ", "2)", "#2", "2️⃣"), the option's
 * label in any case and with or without accents ("nuovo problema" for "Nuovo problema"), a short
 * reply that contains exactly one label, or a short reply whose words all belong to exactly one
 * label ("nuovo" when only one label says "nuovo"). Ambiguous replies give `undefined`.
 */
export function matchChoice(text: string, choices: readonly Choice[] | undefined): string | undefined {
  if (!choices || choices.length === 0) return undefined;
  const numbered = /^\s*#?\s*([0-9]{1,2})\s*[.)]?\s*$/u.exec(text.replace(KEYCAP, "$1"));
  if (numbered) {
    const index = Number(numbered[1]) - 1;
    return choices[index]?.id;
  }

  const answer = fold(text);
  if (answer === "") return undefined;
  const labels = choices.map((choice) => ({
    id: choice.id,
    label: fold(choice.label),
    idText: fold(choice.id),
  }));

  const exact = labels.filter((c) => c.label === answer || c.idText === answer);
  if (exact.length === 1) return exact[0]!.id;
  if (exact.length > 1) return undefined;

  const words = answer.split(" ");
  if (words.length > MAX_ANSWER_WORDS + 2) return undefined;

  const padded = ` ${answer} `;
  const contained = labels.filter((c) => c.label !== "" && padded.includes(` ${c.label} `));
  if (contained.length === 1) return contained[0]!.id;
  if (contained.length > 1) return undefined;

  if (words.length > MAX_ANSWER_WORDS) return undefined;
  const partial = labels.filter((c) => {
    const labelWords = new Set(c.label.split(" "));
    return words.every((word) => labelWords.has(word));
  });
  return partial.length === 1 ? partial[0]!.id : undefined;
}
