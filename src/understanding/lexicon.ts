/**
 * The understanding layer's data: how customers answer, read once from
 * `locales/understanding/{it,en,symbols}.yaml`, validated (a broken file stops the start with the
 * file and the path of the bad entry), and compiled into keyword rules. Both languages are merged:
 * a customer of an Italian chat who types "yes please" is understood too.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { z } from "zod";
import { compileRule, type Rule } from "../ai/textRules.js";
import { cachedYaml } from "../policy/yamlCache.js";
import { shortForms } from "./shortForms.js";
import { stemsOf } from "./stems.js";
import { UnderstandingDataError } from "./understandingDataError.js";

const phrases = z.array(z.union([z.string().min(1), z.number()]).transform(String));
const scores = z.record(z.string().regex(/^[1-5]$/), phrases);

const languageFile = z.strictObject({
  yes: phrases,
  problem: phrases,
  no: phrases,
  negations: phrases,
  unsure: phrases,
  fillers: phrases,
  options: z.record(z.string().min(1), phrases),
  numbers: z.record(z.string().min(1), z.number().int()),
  ordinals: z.record(z.string().min(1), z.number().int()),
  pointers: phrases,
  ratingWords: scores,
  ratingUnits: phrases,
  ratingUnsure: phrases,
  both: phrases,
  synonyms: z.array(phrases.min(2)),
  pairs: phrases,
  devices: phrases,
});

const symbolsFile = z.strictObject({
  yes: phrases,
  no: phrases,
  stars: phrases,
  ratingFaces: scores,
});

/** The languages whose phrasings are read. */
export const UNDERSTOOD_LANGUAGES = ["it", "en"] as const;

/** A phrase rule with the language it was written for. */
export interface LexiconRule extends Rule {
  language: string;
}

/** The compiled data the matchers use (both languages merged). */
export interface Lexicon {
  yes: LexiconRule[];
  no: LexiconRule[];
  unsure: LexiconRule[];
  /** Phrase rules per option id (`blocked`, `accept`, `status`…). */
  options: Map<string, LexiconRule[]>;
  negations: Set<string>;
  fillers: Set<string>;
  pointers: Set<string>;
  numbers: Map<string, number>;
  ordinals: Map<string, number>;
  ratingWords: { score: number; rule: LexiconRule }[];
  ratingUnits: LexiconRule[];
  /** Words saying an answer names two things at once ("sia la stampante che il pc"). */
  both: LexiconRule[];
  /** Lukewarm words that sit between two scores ("abbastanza bene", "it was ok"). */
  ratingUnsure: LexiconRule[];
  /**
   * A joining word and an article that start a second thing ("la stampante *e il* pc"), matched on
   * the text as typed, accents kept: "è il pc" says which, "e il pc" adds one.
   */
  pairs: RegExp | null;
  /** Devices a customer may name (any shop's): an answer naming one no option is means "another". */
  devices: LexiconRule[];
  /** Phrases that describe a fault ("non stampa", "doesn't work"): a sentence with one is a problem. */
  problem: LexiconRule[];
  /** Words that name the same thing, by stem: a label's word is also met by its synonyms. */
  synonyms: Map<string, string[]>;
  symbols: { yes: string[]; no: string[]; stars: string[]; faces: { score: number; symbol: string }[] };
  /** The raw option phrases per language, for the intent classifier's training. */
  examples: Record<string, Record<string, string[]>>;
}

const dataDir = resolve(dirname(fileURLToPath(import.meta.url)), "../../locales/understanding");

/** A readable error naming the file and the entry that is wrong. */
export class LexiconError extends UnderstandingDataError {}

function readYaml<T>(file: string, schema: z.ZodType<T>): T {
  const path = join(dataDir, file);
  let raw: unknown;
  try {
    const text = readFileSync(path, "utf8");
    raw = cachedYaml(text, () => parse(text));
  } catch (error) {
    throw new LexiconError(`${path}: ${(error as Error).message}`);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new LexiconError(`${path}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return result.data;
}

function rules(list: readonly string[], language: string): LexiconRule[] {
  const out: LexiconRule[] = [];
  for (const source of list) {
    const rule = compileRule(source);
    if (rule) out.push({ ...rule, language });
  }
  return out;
}

const words = (list: readonly string[]) =>
  list.map(
    (w) =>
      compileRule(w)
        ?.tokens.map((t) => t.word)
        .join(" ") ?? "",
  );

/** Reads and compiles the data files (see {@link lexicon} for the shared copy). */
export function loadLexicon(): Lexicon {
  const symbols = readYaml("symbols.yaml", symbolsFile);
  const lexicon: Lexicon = {
    yes: [],
    no: [],
    unsure: [],
    options: new Map(),
    negations: new Set(),
    fillers: new Set(),
    pointers: new Set(),
    numbers: new Map(),
    ordinals: new Map(),
    ratingWords: [],
    ratingUnits: [],
    ratingUnsure: [],
    both: [],
    pairs: null,
    devices: [],
    problem: [],
    synonyms: new Map(),
    symbols: {
      yes: symbols.yes,
      no: symbols.no,
      stars: symbols.stars,
      faces: Object.entries(symbols.ratingFaces).flatMap(([score, list]) =>
        list.map((symbol) => ({ score: Number(score), symbol })),
      ),
    },
    examples: {},
  };
  const pairs: string[] = [];
  for (const language of UNDERSTOOD_LANGUAGES) {
    const data = readYaml(`${language}.yaml`, languageFile);
    lexicon.yes.push(...rules(data.yes, language));
    lexicon.no.push(...rules(data.no, language));
    lexicon.unsure.push(...rules(data.unsure, language));
    for (const [id, list] of Object.entries(data.options)) {
      lexicon.options.set(id, [...(lexicon.options.get(id) ?? []), ...rules(list, language)]);
    }
    for (const w of words(data.negations)) lexicon.negations.add(w);
    for (const w of words(data.fillers)) for (const part of w.split(" ")) lexicon.fillers.add(part);
    for (const w of words(data.pointers)) lexicon.pointers.add(w);
    for (const [w, n] of Object.entries(data.numbers)) lexicon.numbers.set(words([w])[0]!, n);
    for (const [w, n] of Object.entries(data.ordinals)) lexicon.ordinals.set(words([w])[0]!, n);
    for (const [score, list] of Object.entries(data.ratingWords)) {
      for (const rule of rules(list, language)) lexicon.ratingWords.push({ score: Number(score), rule });
    }
    lexicon.ratingUnits.push(...rules(data.ratingUnits, language));
    lexicon.ratingUnsure.push(...rules(data.ratingUnsure, language));
    lexicon.both.push(...rules(data.both, language));
    lexicon.devices.push(...rules(data.devices, language));
    lexicon.problem.push(...rules(data.problem, language));
    pairs.push(...data.pairs);
    for (const group of data.synonyms) {
      // Single words only: "e mail" must not make "e" a synonym of "posta".
      const stems = [
        ...new Set(
          words(group)
            .filter((w) => !w.includes(" "))
            .flatMap(stemsOf),
        ),
      ];
      for (const stem of stems) {
        lexicon.synonyms.set(stem, [...new Set([...(lexicon.synonyms.get(stem) ?? []), ...stems])]);
      }
    }
    lexicon.examples[language] = data.options;
  }
  lexicon.pairs = pairsPattern(pairs);
  // The chat shortenings are read and checked with the rest of the data.
  shortForms();
  return lexicon;
}

/**
 * One pattern for the pair phrases, as whole words of the lowercased text (accents kept); a phrase
 * ending in an apostrophe ("e l'") runs into the next word.
 */
function pairsPattern(list: readonly string[]): RegExp | null {
  const alternatives = list
    .map((p) =>
      p
        .toLowerCase()
        .replace(/\u2019/g, "'")
        .trim(),
    )
    .filter((p) => p.length > 0)
    .map((p) => {
      const body = p
        .split(/\s+/)
        .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join("\\s+");
      return p.endsWith("'") ? body : `${body}(?=[\\s,;.!?]|$)`;
    });
  return alternatives.length === 0 ? null : new RegExp(`(?:^|[\\s,;])(?:${alternatives.join("|")})`, "u");
}

let shared: Lexicon | undefined;

/** The lexicon, read and validated on first use (the app reads it at start-up). */
export function lexicon(): Lexicon {
  shared ??= loadLexicon();
  return shared;
}
