/**
 * Italian elision of an article before a number read with a vowel sound: "il 8 dicembre" is
 * "l'8 dicembre", "dal 11" is "dall'11", "il 1/12" is "l'1/12", "del 80%" is "dell'80%". The
 * rule is applied to a locale text before its placeholders are filled, so only the words of the
 * locale change, never a value (a customer's text that says "il 8" stays as written).
 */

/** Articles and articulated prepositions that elide, with their elided form. */
const ELIDED: Record<string, string> = {
  il: "l'",
  del: "dell'",
  al: "all'",
  dal: "dall'",
  nel: "nell'",
  sul: "sull'",
};

/** An article followed by a `{{placeholder}}` (i18next's default syntax, optional format). */
const ARTICLE_BEFORE_PLACEHOLDER = /\b(il|del|al|dal|nel|sul) (\{\{\s*(\w+)[^}]*\}\})/gi;

/**
 * Is the number at the start of `text` read with a vowel sound in Italian? Read from its most
 * significant group of three digits: "8…" (otto, ottanta, ottocento, ottomila…), "11…" (undici,
 * undicimila, undici milioni), "1" alone (uno) or before millions (un milione) — not "1000"
 * (mille) nor "18" (diciotto). Thousands separators (1.000 / 1 000) are skipped.
 */
export function startsWithVowelSoundNumber(text: string): boolean {
  const match = /^\d{1,3}(?:[. \u00a0\u202f]\d{3})+(?!\d)|^\d+/.exec(text.trimStart());
  if (!match) return false;
  const digits = match[0].replace(/\D/g, "").replace(/^0+(?=\d)/, "");
  const lead = digits.slice(0, digits.length % 3 || 3);
  const groups = Math.ceil(digits.length / 3);
  if (lead.startsWith("8") || lead === "11") return true;
  return lead === "1" && groups !== 2;
}

/** Whether `template` has an article before a placeholder at all (most texts have none). */
export function hasArticleBeforePlaceholder(template: string): boolean {
  ARTICLE_BEFORE_PLACEHOLDER.lastIndex = 0;
  const found = ARTICLE_BEFORE_PLACEHOLDER.test(template);
  ARTICLE_BEFORE_PLACEHOLDER.lastIndex = 0;
  return found;
}

/** `template` with each article elided where the value of the placeholder after it starts with such a number. */
export function elideArticles(template: string, values: Record<string, unknown>): string {
  return template.replace(
    ARTICLE_BEFORE_PLACEHOLDER,
    (whole, article: string, placeholder: string, name: string) => {
      const value = values[name];
      if (
        (typeof value !== "string" && typeof value !== "number") ||
        !startsWithVowelSoundNumber(String(value))
      )
        return whole;
      const elided = ELIDED[article.toLowerCase()]!;
      const cased =
        article[0] === article[0]!.toUpperCase() ? elided[0]!.toUpperCase() + elided.slice(1) : elided;
      return `${cased}${placeholder}`;
    },
  );
}
