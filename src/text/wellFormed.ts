/**
 * Lone UTF-16 surrogates (half an emoji, e.g. a name cut at the wrong place, or `"\ud83d"` in a
 * JSON body) break `encodeURIComponent`, UTF-8 encoders and databases. Strings a client sends
 * pass through {@link wellFormed} first (the JSON body parser does it for every string); a lone
 * half becomes U+FFFD.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The string with every lone surrogate replaced by U+FFFD (like `String.prototype.toWellFormed`). */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, "\uFFFD");
}
