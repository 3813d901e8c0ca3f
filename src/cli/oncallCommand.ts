/**
 * `sportello oncall …`: the on-call rota and how technicians are paged.
 *
 * - `list [--at ISO] [--days N]`: who is on call now (in paging order) and next, the weekly rota,
 *   the one-off shifts and swaps of the next days, and every technician's ways.
 * - `set NAME --from WHEN --to WHEN`: a one-off shift.
 * - `swap NAME OTHER --from WHEN --to WHEN`: OTHER stands in for NAME (NAME is not paged meanwhile).
 * - `weekly add NAME --day sat --start 09:00 --end 18:30 [--position 1]`, `weekly clear`.
 * - `ways NAME [WAY…]`: prints or replaces NAME's ways in order; a way is `desk`, `telegram`
 *   (linked with the printed code), `telegram:CHAT_ID`, `whatsapp:+39…`, `sms:+39…`,
 *   `voice:+39…` or `email:ADDRESS`.
 */
import type { Command } from "commander";
import { loadPolicy } from "../policy/loadPolicy.js";
import {
  type CliContext,
  CliError,
  EXIT_USAGE,
  policyOption,
  printJson,
  processContext,
} from "./cliContext.js";
import { withDatabase } from "./withDatabase.js";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

const DB_HELP = "database (default $DATABASE_URL or file:./data/sportello.db)";

interface Common {
  databaseUrl?: string;
  policy?: string;
}

export function registerOncallCommand(program: Command, ctx: CliContext = processContext()): void {
  const oncall = program.command("oncall").description("the on-call rota and how technicians are paged");

  async function withRota<T>(
    options: Common,
    run: (rota: import("../pager/rotaAdmin.js").RotaAdmin) => Promise<T>,
  ): Promise<T> {
    const policy = loadPolicy(policyOption(ctx, options.policy));
    const { RotaAdmin, RotaError } = await import("../pager/rotaAdmin.js");
    return withDatabase(ctx, options.databaseUrl, async (db) => {
      try {
        return await run(new RotaAdmin(db, policy, { now: () => ctx.now() }));
      } catch (error) {
        if (error instanceof RotaError) throw new CliError(error.message, EXIT_USAGE);
        throw error;
      }
    });
  }

  const common = (command: Command) =>
    command
      .option("--policy <name|path>", "preset (default $SPORTELLO_POLICY)")
      .option("--database-url <url>", DB_HELP);

  common(
    oncall
      .command("list")
      .description("who is on call now and next, the weekly rota, shifts, swaps and everyone's ways")
      .option("--at <when>", "the instant asked about (default now)")
      .option("--days <n>", "days of one-off shifts shown", "14"),
  ).action(async (options: Common & { at?: string; days: string }) => {
    await withRota(options, async (rota) => {
      const at = options.at ? rota.parseInstant(options.at) : ctx.now();
      const [now, { weekly, shifts }] = await Promise.all([
        rota.onCall(at),
        rota.rota(Number(options.days) || 14),
      ]);
      const names = [...new Set([...weekly.map((w) => w.technician), ...shifts.map((s) => s.technician)])];
      const ways = Object.fromEntries(
        await Promise.all(
          names.map(async (n) => [
            n,
            (await rota.ways(n)).map((w) => wayText(w.kind, w.address, w.linkCode)),
          ]),
        ),
      );
      const { rotaSummary } = await import("../pager/rotaAdmin.js");
      const summary = rotaSummary(now, { weekly, shifts });
      printJson(ctx, {
        at: at.toISOString(),
        ...summary,
        weekly: summary.weekly.map(({ weekday, ...slot }) => ({ ...slot, day: DAYS[weekday - 1] })),
        shifts: summary.shifts.map(({ replaces, ...shift }) => ({
          ...shift,
          ...(replaces ? { replaces } : {}),
        })),
        ways,
      });
    });
  });

  common(
    oncall
      .command("set")
      .description("a one-off on-call shift")
      .argument("<name>", "technician")
      .requiredOption("--from <when>", "start (ISO, or YYYY-MM-DD HH:MM in the preset's zone)")
      .requiredOption("--to <when>", "end"),
  ).action(async (name: string, options: Common & { from: string; to: string }) => {
    await withRota(options, async (rota) => {
      const from = rota.parseInstant(options.from);
      const to = rota.parseInstant(options.to);
      const id = await rota.addShift(name, from, to);
      printJson(ctx, { id, technician: name, from: from.toISOString(), to: to.toISOString() });
    });
  });

  common(
    oncall
      .command("swap")
      .description("OTHER stands in for NAME between two instants (NAME is not paged meanwhile)")
      .argument("<name>", "technician who hands over")
      .argument("<other>", "technician who stands in")
      .requiredOption("--from <when>", "start (ISO, or YYYY-MM-DD HH:MM in the preset's zone)")
      .requiredOption("--to <when>", "end"),
  ).action(async (name: string, other: string, options: Common & { from: string; to: string }) => {
    await withRota(options, async (rota) => {
      const from = rota.parseInstant(options.from);
      const to = rota.parseInstant(options.to);
      const id = await rota.addShift(other, from, to, name);
      printJson(ctx, {
        id,
        technician: other,
        replaces: name,
        from: from.toISOString(),
        to: to.toISOString(),
      });
    });
  });

  const weekly = oncall.command("weekly").description("the weekly rota");
  common(
    weekly
      .command("add")
      .description("adds a weekly slot")
      .argument("<name>", "technician")
      .requiredOption("--day <day>", "mon … sun")
      .requiredOption("--start <HH:MM>", "local start")
      .requiredOption("--end <HH:MM>", "local end (24:00 = midnight)")
      .option("--position <n>", "0 = first paged, 1 = backup…", "0"),
  ).action(
    async (name: string, options: Common & { day: string; start: string; end: string; position: string }) => {
      await withRota(options, async (rota) => {
        const { weekly: slots } = await rota.rota();
        const keep = slots.map((s) => ({
          technician: s.technician,
          weekday: s.weekday,
          start: s.startTime,
          end: s.endTime,
          position: s.position,
        }));
        await rota.setWeekly([
          ...keep,
          {
            technician: name,
            weekday: options.day,
            start: options.start,
            end: options.end,
            position: Number(options.position),
          },
        ]);
        printJson(ctx, {
          added: { technician: name, day: options.day, start: options.start, end: options.end },
        });
      });
    },
  );
  common(weekly.command("clear").description("empties the weekly rota")).action(async (options: Common) => {
    await withRota(options, async (rota) => {
      await rota.setWeekly([]);
      printJson(ctx, { cleared: true });
    });
  });

  common(
    oncall
      .command("ways")
      .description("prints or replaces a technician's ways to be paged, in order")
      .argument("<name>", "technician")
      .argument(
        "[ways...]",
        "desk | telegram | telegram:ID | whatsapp:+39… | sms:+39… | voice:+39… | email:ADDRESS",
      ),
  ).action(async (name: string, ways: string[], options: Common) => {
    await withRota(options, async (rota) => {
      const rows =
        ways.length === 0
          ? await rota.ways(name)
          : await rota.setWays(
              name,
              ways.map((w) => {
                const at = w.indexOf(":");
                return at < 0 ? { kind: w } : { kind: w.slice(0, at), address: w.slice(at + 1) };
              }),
            );
      printJson(ctx, { technician: name, ways: rows.map((w) => wayText(w.kind, w.address, w.linkCode)) });
      const code = rows.find((w) => w.linkCode)?.linkCode;
      if (code)
        ctx.stderr(
          `To link Telegram, ${name} sends "/start ${code}" to the bot (or opens https://t.me/<bot>?start=${code}).\n`,
        );
    });
  });
}

function wayText(kind: string, address: string | null, linkCode: string | null): string {
  if (linkCode) return `${kind} (not linked: code ${linkCode})`;
  return address ? `${kind}:${address}` : kind;
}
