// Prisma CLI configuration. Prisma 6.19 with the JS schema engine and driver adapters works
// offline (the classic schema engine binary cannot be downloaded here). The provider follows
// DATABASE_URL exactly like the running app: a postgres URL → PostgreSQL, anything else → SQLite.
import { PrismaLibSQL } from "@prisma/adapter-libsql";
import { PrismaPg } from "@prisma/adapter-pg";
import { defineConfig } from "prisma/config";

// The schemas read env("DATABASE_URL"); generation needs it to exist and to match the
// provider, not to be reachable (`prisma generate --schema prisma/postgres` runs at install).
const wantsPostgres = process.argv.some((arg) => arg.replaceAll("\\", "/").includes("prisma/postgres"));
process.env.DATABASE_URL ??= wantsPostgres
  ? "postgresql://localhost:5432/sportello"
  : "file:./data/sportello.db";
const url = process.env.DATABASE_URL;
const isPostgres = /^postgres(ql)?:\/\//.test(url);

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: isPostgres ? "prisma/postgres" : "prisma/sqlite",
  async adapter() {
    return isPostgres ? new PrismaPg({ connectionString: url }) : new PrismaLibSQL({ url });
  },
});
