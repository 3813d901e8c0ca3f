/**
 * The always-available triage: the offline classifier over the preset's category keywords.
 * The customer still confirms the suggested category; this only saves them a menu.
 */
import { classify, guessBlocking } from "../ai/classifier.js";
import type { Policy } from "../policy/schema.js";
import type { TriageSuggestion } from "../runtime/supportRuntime.js";

export function createOfflineTriage(policy: Policy): (description: string) => TriageSuggestion {
  const categories = policy.categories.map((c) => ({ key: c.key, keywords: c.keywords }));
  return (description) => {
    const result = classify(description, categories);
    return {
      category: result.confidence > 0 ? result.category : null,
      blocking: guessBlocking(description),
      summary: null,
    };
  };
}
