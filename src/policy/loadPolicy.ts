/** Reading and validating policy presets from `policies/*.yaml` or any YAML file. */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { CodedError } from "../errors.js";
import { type Policy, PolicySchema } from "./schema.js";
import { cachedYaml } from "./yamlCache.js";

/** Folder of the bundled presets (`<project>/policies`). */
export const PRESETS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../policies");

export type PolicyErrorCode = "unknown-preset" | "unreadable" | "invalid-yaml" | "invalid-preset";

/** One problem found in a preset: the field path (e.g. `hours.weekday.ranges[1][0]`) and what was expected. */
export interface PolicyIssue {
  path: string;
  message: string;
}

/** A preset that cannot be used; the message names the file, each field path and what was expected. */
export class PolicyError extends CodedError<PolicyErrorCode> {
  readonly file: string | null;
  readonly issues: PolicyIssue[];

  constructor(code: PolicyErrorCode, message: string, file: string | null, issues: PolicyIssue[] = []) {
    super(code, message);
    this.file = file;
    this.issues = issues;
  }
}

/** Names of the bundled presets, sorted. */
export function listPresets(): string[] {
  try {
    return readdirSync(PRESETS_DIR)
      .filter((name) => name.endsWith(".yaml"))
      .map((name) => name.slice(0, -".yaml".length))
      .sort();
  } catch {
    return [];
  }
}

function isPath(nameOrPath: string): boolean {
  return /[/\\]/.test(nameOrPath) || /\.ya?ml$/i.test(nameOrPath);
}

/** Renders a zod path as `hours.weekday.ranges[1][0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(top level)" : out;
}

function describeInput(input: unknown): string {
  if (input === undefined) return "";
  if (input === null || typeof input !== "object") return ` (got ${JSON.stringify(input)})`;
  return "";
}

function toIssue(issue: z.core.$ZodIssue): PolicyIssue {
  const input = (issue as { input?: unknown }).input;
  let message = issue.message;
  if (issue.code === "invalid_type" && input === undefined) {
    message = `missing field: expected ${issue.expected}`;
  } else {
    message += describeInput(input);
  }
  return { path: formatPath(issue.path), message };
}

function displayName(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith("..") ? file : rel;
}

/** Validates an already-parsed preset object; `file` only labels the error. */
export function parsePolicy(data: unknown, file: string | null = null): Policy {
  const result = PolicySchema.safeParse(data, { reportInput: true });
  if (result.success) return result.data;
  const issues = result.error.issues.map(toIssue);
  const label = file ?? "policy";
  const lines = issues.map((i) => `  - ${i.path}: ${i.message}`);
  throw new PolicyError("invalid-preset", `invalid preset ${label}:\n${lines.join("\n")}`, file, issues);
}

/**
 * Loads a preset by name (`policies/<name>.yaml`) or by file path (anything with a slash or a
 * .yaml/.yml extension), validates it and returns it with defaults applied.
 * @throws PolicyError with code unknown-preset, unreadable, invalid-yaml or invalid-preset.
 */
export function loadPolicy(nameOrPath: string): Policy {
  let file: string;
  if (isPath(nameOrPath)) {
    file = resolve(nameOrPath);
  } else {
    const presets = listPresets();
    if (!presets.includes(nameOrPath)) {
      throw new PolicyError(
        "unknown-preset",
        `unknown preset "${nameOrPath}": expected one of ${presets.join(", ")} or a path to a .yaml file`,
        null,
      );
    }
    file = resolve(PRESETS_DIR, `${nameOrPath}.yaml`);
  }
  const shown = displayName(file);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    throw new PolicyError("unreadable", `cannot read preset ${shown}: ${(cause as Error).message}`, shown);
  }
  return parsePolicy(
    cachedYaml(text, () => parseYaml(text, shown)),
    shown,
  );
}

/** The YAML document as plain data; a syntax error names its line and column. */
function parseYaml(text: string, shown: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => ({
      path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : "(document)",
      message: e.message.split("\n")[0] ?? e.message,
    }));
    const lines = issues.map((i) => `  - ${i.path}: ${i.message}`);
    throw new PolicyError(
      "invalid-yaml",
      `invalid YAML in preset ${shown}:\n${lines.join("\n")}`,
      shown,
      issues,
    );
  }
  return doc.toJS();
}
