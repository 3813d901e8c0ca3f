/**
 * Intake in one reply, for channels where a question-and-answer dialogue makes no sense
 * (e-mail): the ticket opens from the first message, and everything the flow still needs — the
 * category, whether the customer can work, consent to a charge, the sales representative — is
 * asked in one message, numbered. The customer's answer is read line by line, by number
 * ("2) no") or in order, with numbers or words.
 */
import type { Policy } from "../src/policy/schema.js";
import { understandAnswer } from "../src/understanding/answer.js";
import type { Option } from "../src/understanding/types.js";

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

/** The offered categories as options, with their names in both languages. */
type CategoryOptions = Option[];

/** Keeping the suggested category ("sì", "esatto") or not. */
const KEEP = [{ id: "keep" }, { id: "change" }];

function answerFor(
  question: MailQuestion,
  segment: string,
  categories: CategoryOptions,
): Partial<MailAnswers> | null {
  const text = segment.trim();
  if (!text) return null;
  switch (question) {
    case "category": {
      const named = understandAnswer(text, categories, { kind: "choice" });
      if (named.kind === "answer") return { category: named.value };
      const keep = understandAnswer(text, KEEP, { kind: "yes-no", yes: "keep", no: "change" });
      // "no" answers a yes/no question, not "which category" (it would read as "other").
      return keep.kind === "answer" && keep.value === "keep" ? {} : null;
    }
    case "blocking": {
      const found = understandAnswer(text, BLOCKING, { kind: "yes-no", yes: "can-work", no: "blocked" });
      return found.kind === "answer" ? { blocking: found.value === "blocked" } : null;
    }
    case "consent": {
      const found = understandAnswer(text, CONSENT, { kind: "yes-no", yes: "accept", no: "decline" });
      return found.kind === "answer" ? { consent: found.value === "accept" } : null;
    }
    case "salesRep":
      return /\p{L}{2}/u.test(text) && text.length <= 200 ? { salesRep: text } : null;
  }
}

const BLOCKING = [{ id: "can-work" }, { id: "blocked" }];
const CONSENT = [{ id: "accept" }, { id: "decline" }];

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
  const categories: CategoryOptions = policy.categories
    .filter((c) => offeredCategories.includes(c.key))
    .map((c) => ({ id: c.key, labels: Object.values(c.label) }));
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
