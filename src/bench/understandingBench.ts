/**
 * `npm run bench:understanding`: how long the offline understanding layer takes for one typed
 * answer (options, yes/no, lists, ratings, intents), measured over many rounds of a mixed set of
 * answers after a warm-up. Prints one JSON line: mean and p99 microseconds per answer, and the
 * start-up cost (reading the lexicon, training the intent classifier).
 */
import { parseArgs } from "node:util";
import { loadPolicy } from "../policy/loadPolicy.js";
import { understandAnswer } from "../understanding/answer.js";
import { intentClassifierFor } from "../understanding/intentClassifier.js";
import { optionsOf } from "../understanding/labels.js";
import { lexicon } from "../understanding/lexicon.js";
import { understandRating } from "../understanding/rating.js";
import type { Expectation } from "../understanding/types.js";
import { percentile } from "./benchWorkload.js";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "2000" } } });
const rounds = Number(values.rounds);

let started = performance.now();
lexicon();
const lexiconMs = performance.now() - started;
const policy = loadPolicy("leotron");
started = performance.now();
const classifier = intentClassifierFor(policy);
const trainingMs = performance.now() - started;

const yesNo: Expectation = { kind: "yes-no", yes: "can-work", no: "blocked" };
const blocking = optionsOf([
  { id: "can-work", key: "intake.canWork" },
  { id: "blocked", key: "intake.blocked" },
]);
const categories = optionsOf(
  policy.categories.map((c) => ({ id: c.key, key: `category:${c.key}` })),
  Object.fromEntries(policy.categories.map((c) => [c.key, Object.values(c.label)])),
);
const cases: (() => unknown)[] = [
  ...["no, non riesco a lavorare", "sono fermo", "sì grazie", "forse", "yes I can still work", "qwerty"].map(
    (text) => () => understandAnswer(text, blocking, yesNo),
  ),
  ...["la stampante", "la seconda", "non so", "il programma di cassa non parte"].map(
    (text) => () => understandAnswer(text, categories, { kind: "choice", unsure: "other" }),
  ),
  ...["ottimo servizio, 5", "⭐⭐⭐⭐", "cinque stelle"].map((text) => () => understandRating(text)),
  ...["a che ora aprite?", "a che punto è la mia richiesta?", "vorrei parlare con un tecnico"].map(
    (text) => () => classifier.classify(text, "it"),
  ),
];

for (let i = 0; i < 200; i++) for (const run of cases) run();
const samples: number[] = [];
for (let round = 0; round < rounds; round++) {
  for (const run of cases) {
    const t0 = process.hrtime.bigint();
    run();
    samples.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
}
samples.sort((a, b) => a - b);
const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
console.log(
  JSON.stringify({
    bench: "understanding",
    answers: samples.length,
    meanMicros: Math.round(mean * 10) / 10,
    p50Micros: Math.round(percentile(samples, 50) * 10) / 10,
    p99Micros: Math.round(percentile(samples, 99) * 10) / 10,
    maxMicros: Math.round(samples[samples.length - 1]! * 10) / 10,
    lexiconLoadMs: Math.round(lexiconMs),
    classifierTrainingMs: Math.round(trainingMs),
  }),
);
