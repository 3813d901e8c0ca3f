/** `LIKE` patterns, the same on SQLite and PostgreSQL (always written with `ESCAPE '\'`). */

/** `LIKE` pattern for "contains `text`": its `%`, `_` and `\` match themselves (with `ESCAPE '\'`). */
export function containing(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
