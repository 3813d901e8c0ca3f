/**
 * The one triage shape every caller gets, and how to fill it without AI: the offline
 * classifier picks the category, word rules decide blocking and priority.
 */
import {
  type ClassifierCategory,
  classify,
  detectLanguage,
  guessBlocking,
  saysNotUrgent,
  saysUrgent,
} from "./classifier.js";
import { looksLikeInjection } from "./looksLikeInjection.js";

export type TriagePriority = "low" | "normal" | "high" | "urgent";
export const TRIAGE_PRIORITIES: readonly TriagePriority[] = ["low", "normal", "high", "urgent"];

export type TriageLanguage = "it" | "en";

/** A category offered to triage: a preset category (key, labels, keywords). */
export interface TriageCategory extends ClassifierCategory {
  /** Human label, either one string or per language. */
  label?: string | { it?: string; en?: string };
  /** The category is blocking by definition (weekend service). */
  blocking?: boolean;
}

/** A triage suggestion. The customer still confirms the category; technicians see the rest. */
export interface TriageResult {
  /** Who produced it: the model, or the offline classifier (AI off, capped, slow or wrong). */
  source: "ai" | "offline";
  /** Always one of the keys passed in. */
  category: string;
  /** The customer cannot work. */
  blocking: boolean;
  priority: TriagePriority;
  language: TriageLanguage;
  /** One or two lines for technicians. */
  summary: string;
  /** Facts worth asking the customer (empty offline). */
  missingFacts: string[];
}

/** Longest summary kept, from either source. */
export const SUMMARY_MAX_CHARS = 300;
const OFFLINE_SUMMARY_CHARS = 160;

/** Categories where waiting makes things worse (spreading infection, overwritten archives). */
const HIGH_BY_NATURE = new Set(["virus-removal", "data-recovery"]);

/**
 * Priority from the words a customer used and the category (no model involved). Urgency words
 * are ignored in text that tries to steer the triage (see {@link looksLikeInjection}).
 */
export function offlinePriority(text: string, category: string, blocking: boolean): TriagePriority {
  const urgent = saysUrgent(text) && !looksLikeInjection(text);
  if (blocking && (urgent || category === "weekend-blocking")) return "urgent";
  if (blocking || urgent || HIGH_BY_NATURE.has(category)) return "high";
  if (saysNotUrgent(text)) return "low";
  return "normal";
}

/** The first sentence of a description, whitespace collapsed, cut at `max` characters. */
export function firstSentence(text: string, max = OFFLINE_SUMMARY_CHARS): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const end = flat.search(/[.!?](\s|$)/);
  const sentence = end > 0 ? flat.slice(0, end + 1) : flat;
  return capText(sentence, max);
}

/** Cuts text at `max` characters on a word boundary when possible, adding an ellipsis. */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/**
 * A full {@link TriageResult} from the offline classifier: used when AI is off or failing, so
 * callers always get the same shape. `language` is the hint used when the text does not tell.
 */
export function offlineTriage(
  description: string,
  categories: readonly TriageCategory[],
  options: { language?: TriageLanguage } = {},
): TriageResult {
  const { category } = classify(description, categories);
  const blocking =
    guessBlocking(description) || categories.some((c) => c.key === category && c.blocking === true);
  return {
    source: "offline",
    category,
    blocking,
    priority: offlinePriority(description, category, blocking),
    language: detectLanguage(description) ?? options.language ?? "it",
    summary: firstSentence(description),
    missingFacts: [],
  };
}
