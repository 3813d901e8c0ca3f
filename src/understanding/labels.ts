/**
 * The labels a customer sees on a question's options, in both languages, so a typed label is
 * understood as a tap ("Nuovo problema", "no, sono bloccato", "Stampanti"): locale keys are read
 * from `locales/<lang>.json` (once), literal texts taken as they are, and extra labels the question
 * carries (a preset's category names) added.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChoiceIntent } from "../../flows/intents.js";
import { UNDERSTOOD_LANGUAGES } from "./lexicon.js";
import type { Option } from "./types.js";

const localesDir = resolve(dirname(fileURLToPath(import.meta.url)), "../../locales");
let locales: Record<string, unknown>[] | undefined;
/** Labels by locale key: the locales never change while the process runs, and questions repeat. */
const labelsByKey = new Map<string, string[]>();

function lookup(key: string): string[] {
  let labels = labelsByKey.get(key);
  if (!labels) {
    labels = readLabels(key);
    labelsByKey.set(key, labels);
  }
  return labels;
}

function readLabels(key: string): string[] {
  locales ??= UNDERSTOOD_LANGUAGES.map(
    (language) =>
      JSON.parse(readFileSync(join(localesDir, `${language}.json`), "utf8")) as Record<string, unknown>,
  );
  const out: string[] = [];
  for (const locale of locales) {
    let node: unknown = locale;
    for (const part of key.split(".")) node = (node as Record<string, unknown> | undefined)?.[part];
    // Placeholders ({{n}}) carry no meaning for matching.
    if (typeof node === "string") out.push(node.replace(/\{\{[^}]*\}\}/g, " "));
  }
  return out;
}

/** The options of a question with every label a customer may type, in the order offered. */
export function optionsOf(choices: readonly ChoiceIntent[], extra: Record<string, string[]> = {}): Option[] {
  return choices.map((choice) => {
    const labels = [
      ...(choice.text ? [choice.text] : []),
      ...(choice.key && !choice.key.includes(":") ? lookup(choice.key) : []),
      ...(Object.hasOwn(extra, choice.id) ? (extra[choice.id] ?? []) : []),
    ];
    return { id: choice.id, labels };
  });
}
