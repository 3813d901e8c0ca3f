/**
 * Intake in one reply, for channels where a question-and-answer dialogue makes no sense
 * (e-mail): the ticket opens from the first message, and everything the flow still needs — the
 * category, whether the customer can work, consent to a charge, the sales representative — is
 * asked in one message, numbered. The customer's answer is read line by line, by number
 * ("2) no") or in order, with numbers or words.
 */
import type { Policy } from "../src/policy/schema.js";
import { matchChoice, normalize } from "./textMatchers.js";

export type MailQuestion = "category" | "blocking" | "consent" | "salesRep";

/** What a customer's answer said, by question; absent when not answered or not understood. */
export interface MailAnswers {
  category?: string;
  blocking?: boolean;
  consent?: boolean;
  salesRep?: string;
}

/** The answers and which questions they answered (keeping the suggested category answers it too). */
export interface ParsedMailAnswers {
  answers: MailAnswers;
  answered: MailQuestion[];
}

/** The questions still open for a ticket opened from one message, in the order they are asked. */
export function mailQuestions(
  policy: Policy,
  facts: {
    category: string | null;
    categoryIsBlocking: boolean;
    covered: boolean;
    consent: boolean | null;
    salesRep: string | null;
  },
): MailQuestion[] {
  const questions: MailQuestion[] = ["category"];
  if (policy.intake.askBlocking && !facts.categoryIsBlocking) questions.push("blocking");
  if (!facts.covered && facts.consent === null) questions.push("consent");
  if (policy.intake.requireSalesRepAuthorization && !facts.salesRep) questions.push("salesRep");
  return questions;
}

const CATEGORY_KEEP = [
  "si",
  "sì",
  "yes",
  "ok",
  "giusto",
  "corretto",
  "correct",
  "right",
  "esatto",
  "confermo",
];

function answerFor(
  question: MailQuestion,
  segment: string,
  categories: { ids: string[]; labels: Record<string, string>[] },
): Partial<MailAnswers> | null {
  const text = segment.trim();
  if (!text) return null;
  switch (question) {
    case "category": {
      if (CATEGORY_KEEP.includes(normalize(text))) return {};
      // "no" answers a yes/no question, not "which category" (it would read as "other").
      if (["no", "nope"].includes(normalize(text))) return null;
      for (const labels of categories.labels) {
        const id = matchChoice(text, categories.ids, labels);
        if (id) return { category: id };
      }
      return null;
    }
    case "blocking": {
      const id = matchChoice(text, ["can-work", "blocked"]) ?? wordsMatch(text, BLOCKING_WORDS);
      return id ? { blocking: id === "blocked" } : null;
    }
    case "consent": {
      const id = matchChoice(text, ["accept", "decline"]) ?? wordsMatch(text, CONSENT_WORDS);
      return id ? { consent: id === "accept" } : null;
    }
    case "salesRep":
      return /\p{L}{2}/u.test(text) && text.length <= 200 ? { salesRep: text } : null;
  }
}

const BLOCKING_WORDS: Record<string, RegExp> = {
  blocked: /\b(bloccat[oaie]|blocked|fermi?|non (posso|riesco)|can ?n[o']?t work|cannot work)\b/,
  "can-work": /\b(posso lavorare|riesco a lavorare|can work|i can|lavoro lo stesso)\b/,
};
const CONSENT_WORDS: Record<string, RegExp> = {
  decline: /\b(non accetto|rifiuto|decline|do not accept|don ?t accept|no grazie|no thanks)\b/,
  accept: /\b(accetto|accept|va bene|d ?accordo|agree|procedete|procedi)\b/,
};

/** A choice whose pattern occurs in a longer sentence ("no, sono bloccato da stamattina"). */
function wordsMatch(text: string, patterns: Record<string, RegExp>): string | undefined {
  const n = normalize(text);
  for (const [id, re] of Object.entries(patterns)) if (re.test(n)) return id;
  return undefined;
}

/**
 * Reads a customer's answer to the numbered questions. Lines starting with a question's number
 * ("1) 3", "2. no", "3 - accetto") answer that question; other lines answer the open questions
 * in order, each line going to the first question it makes sense for.
 */
export function parseMailAnswers(
  text: string,
  asked: MailQuestion[],
  policy: Policy,
  offeredCategories: string[],
): ParsedMailAnswers {
  const categories = {
    ids: offeredCategories,
    labels: (["it", "en"] as const).map((language) =>
      Object.fromEntries(
        policy.categories
          .filter((c) => offeredCategories.includes(c.key))
          .map((c) => [c.key, c.label[language]]),
      ),
    ),
  };
  const answers: MailAnswers = {};
  const answered = new Set<MailQuestion>();
  const lines = text
    .split(/\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const loose: string[] = [];
  for (const line of lines) {
    const numbered = /^(\d{1,2})\s*[).:\-–]\s*(.+)$/.exec(line);
    const question = numbered ? asked[Number(numbered[1]) - 1] : undefined;
    if (numbered && question) {
      const found = answerFor(question, numbered[2]!, categories);
      if (found) {
        Object.assign(answers, found);
        answered.add(question);
      }
      continue;
    }
    loose.push(line);
  }
  if (asked.length === 1 && loose.length > 0 && !answered.has(asked[0]!)) {
    const found = answerFor(asked[0]!, loose.join(" "), categories);
    if (found) {
      Object.assign(answers, found);
      answered.add(asked[0]!);
    }
    return { answers, answered: [...answered] };
  }
  for (const line of loose) {
    for (const question of asked) {
      if (answered.has(question)) continue;
      // Free text (a name) only answers the sales-rep question when nothing else fits it.
      const found = answerFor(question, line, categories);
      if (!found) continue;
      if (question === "salesRep" && asked.some((q) => q !== "salesRep" && !answered.has(q))) {
        const other = asked.find(
          (q) => q !== "salesRep" && !answered.has(q) && answerFor(q, line, categories),
        );
        if (other) continue;
      }
      Object.assign(answers, found);
      answered.add(question);
      break;
    }
  }
  return { answers, answered: asked.filter((q) => answered.has(q)) };
}
