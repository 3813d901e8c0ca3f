/**
 * The always-available triage for the runtime: the offline classifier over the preset's
 * category keywords. The customer still confirms the suggested category.
 */
import { offlineTriage } from "../ai/offlineTriage.js";
import type { Policy } from "../policy/schema.js";
import type { TriageSuggestion } from "../runtime/supportRuntime.js";

/** Triage categories of a preset, as the classifier and the AI take them. */
export function triageCategories(policy: Policy) {
  return policy.categories.map((c) => ({
    key: c.key,
    keywords: c.keywords,
    label: c.label,
    blocking: c.blocking,
  }));
}

export function createOfflineTriage(policy: Policy): (description: string) => TriageSuggestion {
  const categories = triageCategories(policy);
  return (description) => {
    const result = offlineTriage(description, categories, { language: policy.defaultLanguage });
    return { category: result.category, blocking: result.blocking, summary: result.summary };
  };
}
