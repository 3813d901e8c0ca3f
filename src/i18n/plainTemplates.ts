/**
 * Locale texts that are plain words and `{{name}}` placeholders, filled in without i18next where
 * that gives exactly i18next's text: most customer messages are such texts, and `t()` (key
 * resolution, two interpolation passes, nesting) costs far more than joining a few strings.
 *
 * i18next gives the same text when the resource exists in the asked language (no fallback), has
 * no nesting (`$t(`) and only `{{identifier}}` placeholders (no format, no unescape prefix), and
 * every value is a non-empty text or non-zero number with no `{`, `}` or `$` (so nothing in a
 * value is interpolated, nested or looked up again), named after a placeholder or `company`, and
 * no option name of `t()` is among the names (`count`, `context`… change the key's resolution).
 * Anything else returns `undefined`: the caller asks i18next.
 */
import type { i18n } from "i18next";

/** A text split at its placeholders: parts[0] name[0] parts[1] name[1] … parts[n]. */
interface Template {
  parts: string[];
  names: string[];
}

/** i18next's default interpolation pattern (prefix `{{`, suffix `}}`). */
const PLACEHOLDER = /\{\{(.+?)\}\}/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Option names of `t()`: as a parameter they would change what i18next does. */
const OPTION_NAMES = new Set([
  "applyPostProcessor",
  "context",
  "count",
  "defaultValue",
  "fallbackLng",
  "ignoreJSONStructure",
  "interpolation",
  "joinArrays",
  "keyPrefix",
  "keySeparator",
  "lng",
  "lngs",
  "missingInterpolationHandler",
  "nest",
  "ns",
  "nsSeparator",
  "ordinal",
  "postProcess",
  "replace",
  "returnDetails",
  "returnObjects",
  "skipInterpolation",
]);
const UNSAFE_VALUE = /[{}$]/;

const usableName = (name: string) =>
  IDENTIFIER.test(name) && !OPTION_NAMES.has(name) && !name.startsWith("defaultValue");

/** Fills plain locale texts; one per i18next instance (texts are read once per language and key). */
export class PlainTemplates {
  private readonly templates = new Map<string, Template | null>();

  constructor(private readonly t: i18n) {}

  /**
   * The text of `key` in `language` with `values`, as i18next would render it; `undefined` when
   * i18next must render it (see the module comment).
   */
  fill(key: string, language: string, values: Record<string, unknown>): string | undefined {
    const template = this.template(key, language);
    if (!template) return undefined;
    for (const name in values) {
      if (name !== "company" && !template.names.includes(name)) return undefined;
    }
    let text = template.parts[0]!;
    for (let i = 0; i < template.names.length; i++) {
      const value = values[template.names[i]!];
      if (typeof value === "string") {
        if (value === "" || UNSAFE_VALUE.test(value)) return undefined;
        text += value;
      } else if (typeof value === "number") {
        if (value === 0 || !Number.isFinite(value)) return undefined;
        text += String(value);
      } else {
        return undefined;
      }
      text += template.parts[i + 1]!;
    }
    return text;
  }

  private template(key: string, language: string): Template | null {
    const memoKey = `${language}\u0000${key}`;
    let template = this.templates.get(memoKey);
    if (template === undefined) {
      template = this.compile(key, language);
      this.templates.set(memoKey, template);
    }
    return template;
  }

  private compile(key: string, language: string): Template | null {
    if (key.includes(":")) return null; // a namespace prefix
    const raw: unknown = this.t.getResource(language, "translation", key);
    if (typeof raw !== "string" || raw.includes("$t(")) return null;
    const pieces = raw.split(new RegExp(PLACEHOLDER.source, "g"));
    const parts: string[] = [];
    const names: string[] = [];
    for (let i = 0; i < pieces.length; i++) {
      if (i % 2 === 0) parts.push(pieces[i]!);
      else if (usableName(pieces[i]!)) names.push(pieces[i]!);
      else return null;
    }
    return { parts, names };
  }
}
