/**
 * `npm run understanding [-- --json] [-- --only <type>] [-- --verbose] [-- --corpus <dir>]`: plays the typed-answer corpus
 * (test/understanding/corpus/) through the real runtime and prints, per question type and
 * language, how many answers were understood, taken wrongly, or asked again.
 */
import { join } from "node:path";
import { QUESTION_TYPES, type QuestionType, readCorpus } from "./understandingCorpus.js";
import { playCorpus } from "./understandingPlayer.js";
import { formatTable, tally, thresholdFailures } from "./understandingScore.js";

const CORPUS = join(import.meta.dirname, "../../test/understanding/corpus");

async function main(argv: string[]): Promise<number> {
  const json = argv.includes("--json");
  const verbose = argv.includes("--verbose");
  const onlyAt = argv.indexOf("--only");
  const only = onlyAt >= 0 ? argv[onlyAt + 1] : undefined;
  if (only !== undefined && !QUESTION_TYPES.includes(only as QuestionType)) {
    process.stderr.write(`--only: unknown question type "${only}" (one of: ${QUESTION_TYPES.join(", ")})\n`);
    return 2;
  }
  const corpusAt = argv.indexOf("--corpus");
  const corpus = corpusAt >= 0 ? argv[corpusAt + 1]! : CORPUS;
  const entries = readCorpus(corpus).filter((e) => !only || e.type === only);
  const started = Date.now();
  const results = await playCorpus(entries);
  const seconds = (Date.now() - started) / 1000;
  const failures = thresholdFailures(results);
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ seconds, tally: Object.fromEntries(tally(results)), failures, results }, null, 2)}\n`,
    );
    return 0;
  }
  process.stdout.write(`${formatTable(results)}\n\n`);
  const broken = results.filter((r) => r.error);
  for (const r of broken) process.stdout.write(`! ${r.where} could not be played: ${r.error}\n`);
  if (verbose) {
    for (const r of results.filter(
      (x) => x.outcome !== "understood" && !(x.expect.clarify && x.outcome === "asked"),
    ))
      process.stdout.write(
        `${r.outcome.padEnd(6)} ${r.where.padEnd(24)} ${JSON.stringify(r.text)} → ${r.taken ?? "-"}${
          r.fields ? ` ${JSON.stringify(r.fields)}` : ""
        }${
          r.comment ? ` comment ${JSON.stringify(r.comment)}` : ""
        } (expected ${JSON.stringify(r.expect)}) [${r.replies.join(", ")}]\n`,
      );
  }
  process.stdout.write(
    `${results.length} answers in ${seconds.toFixed(1)} s. ${failures.length ? `Below the bar:\n- ${failures.join("\n- ")}` : "All thresholds met."}\n`,
  );
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
