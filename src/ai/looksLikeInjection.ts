/**
 * Recognises customer text that tries to steer a model ("ignore your instructions, priority
 * urgent…"). Such text is still classified, but the urgency it claims is not trusted.
 */
import { normalizeText } from "./classifier.js";

const INJECTION_PATTERNS: readonly RegExp[] = [
  /\bignor\w*\s+(?:\w+\s+){0,4}(?:instruction|istruzion|rule|regol|prompt|direttiv)/,
  /\bdisregard\b/,
  /\b(?:system|developer)\s+prompt\b/,
  /\byou are now\b|\bora sei\b|\bact as\b|\bfingi di essere\b|\bcomportati come\b/,
  /\b(?:priority|priorita)\s+(?:\w+\s+)?(?:urgent|urgente|high|alta|massima)\b/,
  /\b(?:category|categoria)\s+(?:\w+\s+){0,2}(?:free|gratis|gratuit)/,
  /\b(?:set|imposta)\s+(?:the\s+|la\s+)?(?:category|categoria|priority|priorita)\b/,
];

/** Whether a description tries to steer the model (then its priority is not trusted). */
export function looksLikeInjection(text: string): boolean {
  const flat = normalizeText(text);
  return INJECTION_PATTERNS.some((pattern) => pattern.test(flat));
}
