/**
 * What a free sentence asks for, at the menu or in the middle of an intake: a new problem, the
 * status of my tickets, the opening hours, to add information, to talk to a person, to start
 * again. Two layers: the lexicon's phrases for these intents (as for any option), then a small
 * neural classifier (nlp.js's `NeuralNetwork` over Snowball stems) trained at start-up from the
 * same phrases and the preset's own category keywords (every problem a category describes is a
 * "new problem"). Training takes a few tens of milliseconds per language; classifying one
 * sentence well under a millisecond. Pure after training.
 */
import { StemmerEn } from "@nlpjs/lang-en";
import { StemmerIt } from "@nlpjs/lang-it";
import { NeuralNetwork, type TrainingItem } from "@nlpjs/neural";
import { wordsOf } from "../ai/textRules.js";
import { type Lexicon, lexicon as sharedLexicon, UNDERSTOOD_LANGUAGES } from "./lexicon.js";

/** The intents a customer can express at any step. */
export const CUSTOMER_INTENTS = ["new", "status", "info", "hours", "human", "restart"] as const;
export type CustomerIntent = (typeof CUSTOMER_INTENTS)[number];

/** Below this score the classifier does not name an intent. */
export const INTENT_MIN_SCORE = 0.6;
/** Training passes: the corpus is small and separable, more passes only cost start-up time. */
const TRAINING_ITERATIONS = 40;
/** The best intent must beat the second by this much. */
const INTENT_MARGIN = 0.2;

/** What the classifier needs from a preset: its categories' keywords, per language. */
export interface IntentTrainingData {
  categories: readonly { keywords?: { it?: readonly string[]; en?: readonly string[] } }[];
}

const stemmers: Record<string, { tokenizeAndStem(text: string, keepStops?: boolean): string[] }> = {
  it: new StemmerIt(),
  en: new StemmerEn(),
};

/** A keyword rule's words without its syntax (`stem*`, `^2`). */
const plain = (rule: string) => rule.replace(/\^\d+(\.\d+)?\s*$/, "").replace(/\*/g, "");

/** The stems of a text's words, without the courtesy and function words (the lexicon's fillers). */
function features(text: string, language: string, lex: Lexicon): Record<string, number> {
  const out: Record<string, number> = {};
  // nlp.js's own stop-word removal costs ~0.4 ms a sentence; the fillers set is as good here.
  const stems = (stemmers[language] ?? stemmers.it!).tokenizeAndStem(
    wordsOf(text)
      .filter((w) => !lex.fillers.has(w))
      .join(" "),
    true,
  );
  for (const stem of stems) out[stem] = 1;
  return out;
}

/** A trained classifier per language. */
export class IntentClassifier {
  private readonly networks = new Map<string, NeuralNetwork>();

  constructor(
    data: IntentTrainingData,
    private readonly lex: Lexicon = sharedLexicon(),
  ) {
    for (const language of UNDERSTOOD_LANGUAGES) {
      const corpus: TrainingItem[] = [];
      const examples = lex.examples[language] ?? {};
      for (const intent of CUSTOMER_INTENTS) {
        for (const phrase of examples[intent] ?? []) {
          corpus.push({ input: features(plain(phrase), language, lex), output: { [intent]: 1 } });
        }
      }
      for (const category of data.categories) {
        for (const keyword of category.keywords?.[language as "it" | "en"] ?? []) {
          corpus.push({ input: features(plain(keyword), language, lex), output: { new: 1 } });
        }
      }
      // Greetings and courtesy words are no intent: without them "ciao" would be a new problem.
      for (const word of lex.fillers) corpus.push({ input: { [word]: 1 }, output: { none: 1 } });
      const network = new NeuralNetwork({ log: false, iterations: TRAINING_ITERATIONS });
      network.train(corpus.filter((item) => Object.keys(item.input).length > 0));
      this.networks.set(language, network);
    }
  }

  /** The intent of `text` in `language` and its score, or null when none is clear. */
  classify(text: string, language: string): { intent: CustomerIntent; score: number } | null {
    const network = this.networks.get(language) ?? this.networks.get("it");
    const input = features(text, language, this.lex);
    if (!network || Object.keys(input).length === 0) return null;
    const scores = network.run(input) ?? {};
    const ranked = Object.entries(scores).sort((a, b) => b[1] - a[1]);
    const [best, second] = ranked;
    if (!best || !(CUSTOMER_INTENTS as readonly string[]).includes(best[0])) return null;
    if (!best || best[1] < INTENT_MIN_SCORE || (second && best[1] - second[1] < INTENT_MARGIN)) return null;
    return { intent: best[0] as CustomerIntent, score: best[1] };
  }
}

const trained = new Map<string, IntentClassifier>();

/**
 * The classifier of a preset, trained once per set of category keywords (at start-up, when the
 * machine is built; a preset loaded again reuses it).
 */
export function intentClassifierFor(data: IntentTrainingData): IntentClassifier {
  const key = JSON.stringify(data.categories.map((c) => c.keywords ?? null));
  let classifier = trained.get(key);
  if (!classifier) {
    classifier = new IntentClassifier(data);
    if (trained.size > 20) trained.clear();
    trained.set(key, classifier);
  }
  return classifier;
}
