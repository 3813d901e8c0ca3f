import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadPolicy } from "../src/policy/loadPolicy.js";
import { DEFAULT_WHATSAPP_TEMPLATES } from "../src/policy/schema.js";

const read = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), "utf8");

describe("README", () => {
  it("documents every setting of .env.example in its settings lists", () => {
    const names = [...read(".env.example").matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(20);
    const readme = read("README.md");
    const documented = new Set([...readme.matchAll(/^- `([A-Z][A-Z0-9_]*)`[ :]/gm)].map((m) => m[1]!));
    expect(names.filter((name) => !documented.has(name))).toEqual([]);
  });

  it("has the production guide: PostgreSQL, reverse proxy and TLS, PUBLIC_URL, systemd, backups", () => {
    const readme = read("README.md");
    const production = readme.slice(readme.indexOf("## Production"), readme.indexOf("## Development"));
    for (const part of [
      "### PostgreSQL",
      "### Reverse proxy and TLS",
      "PUBLIC_URL",
      "### systemd",
      "### Backups",
    ])
      expect(production).toContain(part);
    expect(production).toContain("ExecStart=/usr/bin/node src/start.js");
  });

  it("gives the text, in Italian and English, of every WhatsApp template the presets use", () => {
    const readme = read("README.md");
    const section = readme.slice(
      readme.indexOf("### WhatsApp Business Platform"),
      readme.indexOf("\n## Slack staff desk"),
    );
    const names = new Set([
      ...DEFAULT_WHATSAPP_TEMPLATES.map((t) => t.name),
      ...loadPolicy("leotron").whatsappTemplates.map((t) => t.name),
    ]);
    for (const name of names) {
      const entry = section.slice(section.indexOf(`- \`${name}\``));
      expect(entry, name).toMatch(/^- `[a-z_]+`\n {2}- it: .*\{\{1\}\}.*\n {2}- en: .*\{\{1\}\}/);
    }
  });
});
