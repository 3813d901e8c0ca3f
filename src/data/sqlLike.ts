/** `LIKE` patterns, the same on SQLite and PostgreSQL (always written with `ESCAPE '\'`). */
import { type SqlBool, sql } from "kysely";

/** `LIKE` pattern for "contains `text`": its `%`, `_` and `\` match themselves (with `ESCAPE '\'`). */
export function containing(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** `column LIKE pattern` with the escape of {@link containing} patterns. */
export const likeEscaped = (column: string, pattern: string) =>
  sql<SqlBool>`${sql.ref(column)} like ${pattern} escape '\\'`;
