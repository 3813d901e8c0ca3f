/**
 * The understanding layer's vocabulary: what a question expects and what an answer meant.
 * Questions declare an {@link Expectation} on their prompt; the layer answers with an
 * {@link Understood}.
 */

/** An option the customer can pick: its id and, when known, its label in the chat's language. */
export interface Option {
  id: string;
  labels?: readonly string[];
}

/**
 * What a question expects.
 * - `yes-no`: a yes/no question whose "yes" and "no" are two of its options (e.g. "Riesci a
 *   lavorare?": yes → `can-work`, no → `blocked`).
 * - `choice`: one of its options (a list, the menu).
 * - `rating`: a score from 1 to 5.
 * `unsure` names the option that "I don't know" picks, where the question has one; `unlisted`
 * the option for a device that is not among the options.
 */
export type Expectation = (
  | { kind: "yes-no"; yes: string; no: string; unsure?: string }
  | {
      kind: "choice";
      unsure?: string;
      /** The option an answer naming a device none of the options is takes ("la bilancia" → another device). */
      unlisted?: string;
    }
  | { kind: "rating" }
) & {
  /** Labels of options beyond their locale text (a preset's category names, per option id). */
  labels?: Record<string, string[]>;
  /**
   * Taken after the question was not understood three times (a safe default, said to the
   * customer with `movedOn`); without it the chat goes to a person.
   */
  fallback?: { option: string; movedOn: string };
};

/** Which layer understood an answer (for the figures and the logs). */
export type Layer = "button" | "symbol" | "number" | "phrase" | "classifier" | "ai" | "default";

/** What an answer meant. */
export type Understood =
  /** One option (`value`); `rest` is the whole text when it carries more than the answer. */
  | { kind: "answer"; value: string; rest: string; layer: Layer }
  /** It could be any of `options`: ask once more, naming them. */
  | { kind: "ambiguous"; options: string[] }
  | { kind: "not-understood" };

/** A rating and what else the message said. */
export type UnderstoodRating =
  | { kind: "rating"; rating: number; comment: string | null }
  | { kind: "ambiguous" }
  | { kind: "not-understood" };
