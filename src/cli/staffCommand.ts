/**
 * `sportello staff add NAME [--slack-user U…] [--base-url URL]`: registers a technician and
 * prints a one-time login link for the staff board (only its hash is stored).
 * `sportello staff list`: the technicians and how they can log in.
 */
import type { Command } from "commander";
import { type CliContext, CliError, printJson, processContext } from "./cliContext.js";

export function registerStaffCommand(program: Command, ctx: CliContext = processContext()): void {
  const staff = program.command("staff").description("technicians of the staff board and the Slack desk");
  const dbUrl = (value?: string) => value ?? ctx.env.DATABASE_URL ?? "file:./data/sportello.db";
  // Loaded on use, like every database-backed command (see ./program.ts).
  const openMigrated = async (url: string) => {
    const { migrate, openDatabase } = await import("../data/database.js");
    const db = await openDatabase(url);
    try {
      await migrate(db);
    } catch (error) {
      await db.close();
      throw error;
    }
    return db;
  };

  staff
    .command("add")
    .description("add (or update) a technician and print a one-time login link for /staff")
    .argument("<name>", "technician name, as shown to customers")
    .option("--slack-user <id>", "Slack member id (U…) so the technician can act from Slack")
    .option(
      "--base-url <url>",
      "where sportello is reachable",
      ctx.env.PUBLIC_URL ?? `http://127.0.0.1:${ctx.env.PORT ?? 3000}`,
    )
    .option("--database-url <url>", "database (default $DATABASE_URL or file:./data/sportello.db)")
    .action(async (name: string, options: { slackUser?: string; baseUrl: string; databaseUrl?: string }) => {
      const clean = name.trim();
      if (!/^[\p{L}\p{N} ._'-]{2,60}$/u.test(clean))
        throw new CliError(`invalid technician name "${name}": 2–60 letters, digits, spaces or . _ ' -`);
      if (options.slackUser && !/^[UW][A-Z0-9]{2,}$/.test(options.slackUser)) {
        throw new CliError(
          `invalid --slack-user "${options.slackUser}": expected a Slack member id such as U012AB3CD`,
        );
      }
      const { createStaffCredentialStore } = await import("../data/staffCredentialStore.js");
      const { upsertTechnician } = await import("../data/supportStore.js");
      const { createStaffAuth, staffLoginLink } = await import("../desk/board/staffAuth.js");
      const db = await openMigrated(dbUrl(options.databaseUrl));
      try {
        const technician = await upsertTechnician(db.prisma, {
          name: clean,
          ...(options.slackUser ? { slackUserId: options.slackUser } : {}),
        });
        const auth = createStaffAuth({ store: createStaffCredentialStore(db.prisma) });
        const token = await auth.issueToken(clean);
        printJson(ctx, {
          technician: technician.name,
          slackUserId: technician.slackUserId,
          loginLink: staffLoginLink(options.baseUrl, token),
        });
        ctx.stderr("Keep this link private: it logs in as this technician. It is shown only once.\n");
      } finally {
        await db.close();
      }
    });

  staff
    .command("list")
    .description("list technicians (names, Slack ids, whether they have a login)")
    .option("--database-url <url>", "database (default $DATABASE_URL or file:./data/sportello.db)")
    .action(async (options: { databaseUrl?: string }) => {
      const db = await openMigrated(dbUrl(options.databaseUrl));
      try {
        const rows = await db.prisma.technician.findMany({ orderBy: { name: "asc" } });
        printJson(
          ctx,
          rows.map((t) => ({
            name: t.name,
            slackUserId: t.slackUserId,
            active: t.active,
            login: Boolean(t.passwordHash || t.tokenHash),
          })),
        );
      } finally {
        await db.close();
      }
    });
}
