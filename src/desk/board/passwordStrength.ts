/**
 * How guessable a password is, with zxcvbn-ts (a kept port of Dropbox's zxcvbn): common
 * passwords, words of the English and Italian dictionaries, names, keyboard walks, dates, years,
 * repeats and l33t substitutions, each priced as an attacker's guesses. A board password must
 * score at least 3 of 4 ("safely unguessable: moderate protection from an offline attack"),
 * which refuses `password12`, `qwertyuiop` or `juventus2024` and accepts a few random words.
 *
 * The dictionaries (a few MB) are loaded on first use, not at start-up.
 */
import type { ZxcvbnFactory } from "@zxcvbn-ts/core";

/** Lowest zxcvbn score accepted. */
export const MIN_PASSWORD_SCORE = 3;

let factory: Promise<ZxcvbnFactory> | null = null;

/** The checker, its dictionaries loaded once (about 2 s: on the first password chosen, not at start). */
function checker(): Promise<ZxcvbnFactory> {
  factory ??= (async () => {
    const [{ ZxcvbnFactory }, common, en, it] = await Promise.all([
      import("@zxcvbn-ts/core"),
      import("@zxcvbn-ts/language-common"),
      import("@zxcvbn-ts/language-en"),
      import("@zxcvbn-ts/language-it"),
    ]);
    return new ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary, ...it.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
    });
  })();
  return factory;
}

/** Whether `password` is too easy to guess, knowing the technician's name and the product. */
export async function isGuessable(password: string, context: string[]): Promise<boolean> {
  const words = context.flatMap((c) => c.toLowerCase().split(/[^\p{L}\p{N}]+/u)).filter((w) => w.length > 1);
  return (
    (await checker()).check(password, [...words, "sportello", "staff", "assistenza", "support"]).score <
    MIN_PASSWORD_SCORE
  );
}
