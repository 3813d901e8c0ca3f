/**
 * `sportello staff …`: who can get into the staff board and how.
 *
 * - `invite NAME` (alias `add`): adds the technician if needed and prints a one-time link
 *   (24 h) where they choose their password; `--slack-user U…` / `--email` record their
 *   identities on those desks, `--role admin` makes them an admin.
 * - `reset NAME`: clears the password, ends their sessions and prints a new one-time link.
 * - `disable NAME` / `enable NAME`: no sign-in while disabled; sessions and links end at once.
 * - `role NAME technician|admin`; `list`: everyone, their role, identities and access.
 */
import type { Command } from "commander";
import type { Database } from "../data/database.js";
import {
  createStaffAccessStore,
  setTechnicianIdentity,
  technicianIdentities,
} from "../data/staffAccessStore.js";
import {
  createStaffAuth,
  STAFF_ROLES,
  type StaffAuth,
  StaffAuthError,
  type StaffRole,
  staffInviteLink,
  TECHNICIAN_NAME,
} from "../desk/board/staffAuth.js";
import { answersAt, boardBaseUrl } from "./boardAddress.js";
import { type CliContext, CliError, EXIT_FAILURE, printJson, processContext } from "./cliContext.js";
import { withDatabase } from "./withDatabase.js";

const DB_HELP = "database (default $DATABASE_URL or file:./data/sportello.db)";

export function registerStaffCommand(program: Command, ctx: CliContext = processContext()): void {
  const staff = program.command("staff").description("technicians: board access, roles, desk identities");
  // The server's own settings (PUBLIC_URL, else HOST and PORT): the link opens where it answers.
  const baseUrl = boardBaseUrl(ctx.env);

  async function withAuth<T>(
    databaseUrl: string | undefined,
    run: (auth: StaffAuth, db: Database) => Promise<T>,
  ): Promise<T> {
    return withDatabase(ctx, databaseUrl, async (db) => {
      try {
        return await run(createStaffAuth({ store: createStaffAccessStore(db), now: () => ctx.now() }), db);
      } catch (error) {
        if (error instanceof StaffAuthError) {
          throw new CliError(error.message, error.code === "unknown-technician" ? 2 : EXIT_FAILURE);
        }
        if ((error as { code?: string }).code === "identity-taken")
          throw new CliError((error as Error).message);
        throw error;
      }
    });
  }

  async function printLink(
    link: { token: string; expiresAt: Date },
    name: string,
    url: string,
    purpose: string,
  ) {
    printJson(ctx, {
      technician: name,
      [purpose === "reset" ? "resetLink" : "inviteLink"]: staffInviteLink(url, link.token),
      expiresAt: link.expiresAt.toISOString(),
    });
    ctx.stderr(
      "Send this link to the technician privately: it works once, until it expires, and lets them choose their password.\n",
    );
    // A local address is checked: a newcomer's server may run on another PORT or HOST.
    if (!ctx.env.PUBLIC_URL?.trim() && !(await answersAt(url)))
      ctx.stderr(
        `Warning: nothing answers at ${url} now. Start sportello (npm start) with the same PORT and HOST (environment or .env), or pass --base-url with the address the board really has.\n`,
      );
  }

  const invite = (command: Command) =>
    command
      .description("add a technician (if new) and print a one-time link to choose their board password")
      .argument("<name>", "technician name, as shown to customers")
      .option("--role <role>", "technician (works tickets) or admin (also manages staff, presets, exports)")
      .option("--slack-user <id>", "Slack member id (U…) so the technician can act from Slack")
      .option("--email <address>", "e-mail address the technician uses on the e-mail desk")
      .option("--base-url <url>", "where sportello is reachable (default $PUBLIC_URL)", baseUrl)
      .option("--database-url <url>", DB_HELP)
      .action(
        async (
          name: string,
          options: {
            role?: string;
            slackUser?: string;
            email?: string;
            baseUrl: string;
            databaseUrl?: string;
          },
        ) => {
          const clean = name.normalize("NFC").trim();
          if (!TECHNICIAN_NAME.test(clean))
            throw new CliError(`invalid technician name "${name}": 2–60 letters, digits, spaces or . _ ' -`);
          if (options.role !== undefined && !STAFF_ROLES.includes(options.role as StaffRole))
            throw new CliError(`invalid --role "${options.role}": technician or admin`);
          if (options.slackUser && !/^[UW][A-Z0-9]{2,}$/.test(options.slackUser)) {
            throw new CliError(
              `invalid --slack-user "${options.slackUser}": expected a Slack member id such as U012AB3CD`,
            );
          }
          if (options.email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(options.email))
            throw new CliError(`invalid --email "${options.email}"`);
          await withAuth(options.databaseUrl, async (auth, db) => {
            const store = createStaffAccessStore(db);
            const account =
              (await store.findByName(clean)) ??
              (await store.create(clean, (options.role as StaffRole | undefined) ?? "technician"));
            if (options.role) await auth.setRole(account.name, options.role as StaffRole);
            if (options.slackUser) await setTechnicianIdentity(db, account.id, "slack", options.slackUser);
            if (options.email) await setTechnicianIdentity(db, account.id, "email", options.email);
            const link = await auth.issueInvite(account.name, "invite");
            await printLink(link, account.name, options.baseUrl, "invite");
          });
        },
      );
  invite(staff.command("invite"));
  invite(staff.command("add"));

  staff
    .command("reset")
    .description(
      "clear a technician's password, end their sessions and print a one-time link to choose a new one",
    )
    .argument("<name>")
    .option("--base-url <url>", "where sportello is reachable (default $PUBLIC_URL)", baseUrl)
    .option("--database-url <url>", DB_HELP)
    .action(async (name: string, options: { baseUrl: string; databaseUrl?: string }) => {
      await withAuth(options.databaseUrl, async (auth) => {
        const link = await auth.issueInvite(name, "reset");
        await printLink(link, link.account.name, options.baseUrl, "reset");
      });
    });

  for (const [verb, description] of [
    ["disable", "stop a technician from signing in; their sessions and links end at once"],
    ["enable", "let a disabled technician sign in again"],
  ] as const) {
    staff
      .command(verb)
      .description(description)
      .argument("<name>")
      .option("--database-url <url>", DB_HELP)
      .action(async (name: string, options: { databaseUrl?: string }) => {
        await withAuth(options.databaseUrl, async (auth) => {
          const account = verb === "disable" ? await auth.disable(name) : await auth.enable(name);
          printJson(ctx, { technician: account.name, active: account.active });
        });
      });
  }

  staff
    .command("role")
    .description("set a technician's role: technician (works tickets) or admin (also manages staff)")
    .argument("<name>")
    .argument("<role>", "technician | admin")
    .option("--database-url <url>", DB_HELP)
    .action(async (name: string, role: string, options: { databaseUrl?: string }) => {
      if (!STAFF_ROLES.includes(role as StaffRole))
        throw new CliError(`invalid role "${role}": technician or admin`);
      await withAuth(options.databaseUrl, async (auth) => {
        const account = await auth.setRole(name, role as StaffRole);
        printJson(ctx, { technician: account.name, role: account.role });
      });
    });

  staff
    .command("list")
    .description("list technicians: role, whether they can get in and how, desk identities, live sessions")
    .option("--database-url <url>", DB_HELP)
    .action(async (options: { databaseUrl?: string }) => {
      await withAuth(options.databaseUrl, async (auth, db) => {
        const identities = await technicianIdentities(db);
        const rows = await auth.list();
        printJson(
          ctx,
          rows.map((t) => ({
            name: t.name,
            role: t.role,
            active: t.active,
            board: !t.active
              ? "disabled"
              : t.hasPassword
                ? "password"
                : t.inviteExpiresAt
                  ? "invite-pending"
                  : "no-password",
            inviteExpiresAt: t.inviteExpiresAt?.toISOString() ?? null,
            slackUserId: identities.get(t.id)?.slack ?? null,
            email: identities.get(t.id)?.email ?? null,
            sessions: t.sessions,
          })),
        );
      });
    });
}
