/**
 * The `?` placeholders of an SQL text, found once for the query builder (fixed values written as
 * literals) and PostgreSQL's transactions (`$1..$n`): outside quoted strings, quoted identifiers
 * and `--` comments.
 */

/** Replaces each `?` placeholder outside quotes and comments by `replacement(index)`. */
export function replacePlaceholders(sql: string, replacement: (index: number) => string): string {
  let text = "";
  let n = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      const stop = end < 0 ? sql.length : end + 1;
      text += sql.slice(i, stop);
      i = stop - 1;
    } else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      const stop = end < 0 ? sql.length : end;
      text += sql.slice(i, stop);
      i = stop - 1;
    } else if (c === "?") {
      text += replacement(n++);
    } else {
      text += c;
    }
  }
  return text;
}
