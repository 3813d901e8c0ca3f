/**
 * Prisma's libSQL adapter on the process's one {@link SqliteConnection}: an `@libsql/client`
 * facade whose statements and transactions go through the connection's statement cache and gate.
 */
import type { Client, InStatement, Transaction } from "@libsql/client";
import { PrismaLibSQL } from "@prisma/adapter-libsql";
import type { SqliteConnection } from "./sqliteConnection.js";

function statementParts(stmt: InStatement): { sql: string; args: unknown[] } {
  if (typeof stmt === "string") return { sql: stmt, args: [] };
  if (!Array.isArray(stmt.args ?? [])) throw new TypeError("named SQL arguments are not supported");
  return { sql: stmt.sql, args: (stmt.args as unknown[] | undefined) ?? [] };
}

/** The `@libsql/client` surface Prisma's adapter uses, over the shared connection. */
function clientFacade(conn: SqliteConnection): Client {
  const facade = {
    closed: false,
    protocol: "file",
    async execute(stmt: InStatement, args?: unknown[]) {
      const parts =
        typeof stmt === "string" ? { sql: stmt, args: args ?? [] } : statementParts(stmt as InStatement);
      await conn.whenFree();
      return conn.execute(parts.sql, parts.args);
    },
    async executeMultiple(sql: string) {
      await conn.whenFree();
      conn.db.exec(sql);
    },
    async transaction(mode: "write" | "read" | "deferred" = "write"): Promise<Transaction> {
      const release = await conn.acquire();
      try {
        conn.db.exec(mode === "write" ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
      } catch (error) {
        release();
        throw error;
      }
      const finish = (sql: string) => {
        try {
          if (conn.db.inTransaction) conn.db.exec(sql);
        } finally {
          release();
        }
      };
      const tx = {
        async execute(s: InStatement) {
          const parts = statementParts(s);
          return conn.execute(parts.sql, parts.args);
        },
        async batch(list: InStatement[]) {
          return list.map((s) => {
            const parts = statementParts(s);
            return conn.execute(parts.sql, parts.args);
          });
        },
        async executeMultiple(sql: string) {
          conn.db.exec(sql);
        },
        async commit() {
          finish("COMMIT");
        },
        async rollback() {
          finish("ROLLBACK");
        },
        close() {
          finish("ROLLBACK");
        },
        get closed() {
          return !conn.db.inTransaction;
        },
      };
      return tx as unknown as Transaction;
    },
    async batch() {
      throw new Error("batch is not used by Prisma's adapter");
    },
    async sync() {
      return undefined;
    },
    close() {
      facade.closed = true;
    },
  };
  return facade as unknown as Client;
}

/** Prisma's libSQL adapter factory, on the process's shared {@link SqliteConnection}. */
export class SharedLibSQL extends PrismaLibSQL {
  constructor(private readonly connection: SqliteConnection) {
    super({ url: `file:${connection.file}` });
  }

  override createClient(): Client {
    return clientFacade(this.connection);
  }
}
