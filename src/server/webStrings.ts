/**
 * The `web` section of `locales/<lang>.json` (web chat and staff board wording), and the small
 * templating of the hand-written pages in `public/`: `{{t:key.path}}` becomes the HTML-escaped
 * string, `{{strings}}` the whole section as JSON for the page's script, `{{lang}}` the language.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Languages the pages are written in. */
export type WebLanguage = "it" | "en";

const here = dirname(fileURLToPath(import.meta.url));
const localesDir = resolve(here, "../../locales");
/** Folder of the hand-written HTML/CSS/JS. */
export const publicDir = join(here, "public");

type Strings = Record<string, unknown>;
const cache = new Map<WebLanguage, Strings>();

/** The `web` section for a language (read once per process). */
export function webStrings(language: WebLanguage): Strings {
  let strings = cache.get(language);
  if (!strings) {
    const all = JSON.parse(readFileSync(join(localesDir, `${language}.json`), "utf8")) as { web?: Strings };
    strings = all.web ?? {};
    cache.set(language, strings);
  }
  return strings;
}

/** Italian when the browser prefers it over English (Accept-Language or navigator.language), else English. */
export function pickLanguage(header: string | undefined): WebLanguage {
  const ranked = (header ?? "")
    .split(",")
    .map((part, index) => {
      const [tag, ...params] = part.trim().toLowerCase().split(";");
      const q = params.find((p) => p.trim().startsWith("q="));
      return { tag: tag ?? "", q: q ? Number(q.trim().slice(2)) || 0 : 1, index };
    })
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    if (tag.startsWith("it")) return "it";
    if (tag.startsWith("en")) return "en";
  }
  return "en";
}

/** Looks up `a.b.c` in the section; the key itself when missing, so gaps are visible. */
export function lookup(strings: Strings, key: string): string {
  let node: unknown = strings;
  for (const part of key.split(".")) {
    node = node && typeof node === "object" ? (node as Strings)[part] : undefined;
  }
  return typeof node === "string" ? node : key;
}

/** Escapes text for HTML element content and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );
}

const templates = new Map<string, string>();

/** Renders `public/<file>` for a language, with extra `{{name}}` values (already safe HTML). */
export function renderPage(file: string, language: WebLanguage, extra: Record<string, string> = {}): string {
  let template = templates.get(file);
  if (template === undefined) {
    template = readFileSync(join(publicDir, file), "utf8");
    templates.set(file, template);
  }
  const strings = webStrings(language);
  // `<` escaped so a string can never close the <script type="application/json"> block.
  const json = JSON.stringify(strings).replace(/</g, "\\u003c");
  return template.replace(/\{\{([a-zA-Z:.]+)\}\}/g, (whole, name: string) => {
    if (name.startsWith("t:")) return escapeHtml(lookup(strings, name.slice(2)));
    if (name === "strings") return json;
    if (name === "lang") return language;
    return extra[name] ?? whole;
  });
}

/**
 * The nav links to the manager's pages (report, statement), for administrators only:
 * technicians are not shown links that would answer "reserved to administrators".
 */
export function managerLinks(language: WebLanguage, admin: boolean): string {
  if (!admin) return "";
  const strings = webStrings(language);
  return ` <a href="/staff/reports">${escapeHtml(lookup(strings, "desk.nav.reports"))}</a> <a href="/staff/statement">${escapeHtml(lookup(strings, "desk.nav.statement"))}</a>`;
}
