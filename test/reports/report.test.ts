/**
 * The manager's report for March 2027 on the seeded month: first response and resolution times
 * in service hours against hand-computed values (lunch gap, weekend, Easter with the DST change,
 * LeghornGroup's hours), weekly counts, SLA outcomes, satisfaction and revenue; the same through
 * `sportello report`; and the Prometheus histogram of service-hour first responses.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliContext } from "../../src/cli/cliContext.js";
import { runCli } from "../../src/cli/program.js";
import { reportData, responseFacts } from "../../src/data/reportQueries.js";
import { silentLogger } from "../../src/observability/logger.js";
import { createMetrics } from "../../src/observability/metrics.js";
import { firstResponseObserver } from "../../src/observability/responseTimeMetric.js";
import { policyResolver } from "../../src/policy/policyResolver.js";
import { buildReport, dayRange, quantile, type Report, ReportError } from "../../src/reports/report.js";
import { type SeededMonth, seedMonth } from "../support/seedMonth.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

let t: TestDatabase;
let seed: SeededMonth;
let dataDir: string;
const metrics = createMetrics({ defaultMetrics: false });

beforeAll(async () => {
  t = await createTestDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), "sportello-report-"));
  const observer = firstResponseObserver({
    metrics,
    facts: (number) => responseFacts(t.db, number),
    policies: policyResolver(),
    logger: silentLogger,
  });
  seed = await seedMonth(t.db, dataDir, { onEvents: observer });
});

afterAll(async () => {
  await seed?.stop();
  await t?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function march(): Promise<Report> {
  const data = await reportData(t.db, dayRange("2027-03-01", "2027-03-31", "Europe/Rome"));
  return buildReport(
    { from: "2027-03-01", to: "2027-03-31", timezone: "Europe/Rome" },
    data,
    policyResolver(),
  );
}

describe("report", () => {
  it("computes first response times in service hours", async () => {
    // Opened in March, minutes to the claim: c-1 5; a-lunch 60 (12:30–13:00 + 14:30–15:00);
    // c-2 30; a-weekend 60 (Fri 18:00–18:30 + Mon 9:00–9:30, no weekend service without
    // blocking); a-std 20; b-reopen 10; c-3 15; d-paid 40; c-4 20; b-easter 150 (Fri
    // 17:00–18:30, Easter, Easter Monday and the DST change, Tue 9:00–10:00); b-april 10.
    // Sorted: 5 10 10 15 20 20 30 40 60 60 150 → nearest rank: median ⌈5.5⌉ = 6th 20, p90 ⌈9.9⌉ = 10th 60.
    const r = await march();
    expect(r.responseTimes.firstResponse).toEqual({
      count: 11,
      medianMinutes: 20,
      p90Minutes: 60,
      outsideServiceHours: 0,
    });
  });

  it("computes resolution times in service hours", async () => {
    // Closed in March, opening to close: d-free 0 (Sunday night to Monday 00:30); c-1 60;
    // a-lunch 120; c-2 60; a-weekend 210; a-std 60; b-reopen 120 (to the last close); c-3 60;
    // d-paid 180 (LeghornGroup 10:00–13:00, lunch 13:00–14:00); c-4 60; b-easter 240.
    // Sorted: 0 60 60 60 60 60 120 120 180 210 240 → median (6th) 60, p90 (10th) 210. d-free was
    // handled entirely outside service hours: shown as such in its row, not as "0 min".
    const r = await march();
    expect(r.responseTimes.resolution).toEqual({
      count: 11,
      medianMinutes: 60,
      p90Minutes: 210,
      outsideServiceHours: 1,
    });
    const free = r.ticketList.find((x) => x.number === seed.numbers["d-free"])!;
    expect(free.resolution).toEqual({ minutes: 0, outsideServiceHours: true });
    const lunch = r.ticketList.find((x) => x.number === seed.numbers["a-lunch"])!;
    expect(lunch).toMatchObject({
      firstResponse: { minutes: 60, outsideServiceHours: false },
      resolution: { minutes: 120, outsideServiceHours: false },
      technician: "Marco",
    });
  });

  it("counts tickets per ISO week by channel, category and plan", async () => {
    const r = await march();
    expect(r.tickets.opened).toBe(12); // March openings (d-free and b-feb opened in February)
    expect(r.tickets.closed).toBe(11);
    const w10 = r.tickets.perWeek.find((w) => w.week === "2027-W10")!;
    expect(w10.weekStart).toBe("2027-03-08");
    expect(w10.opened).toEqual({
      total: 3,
      byChannel: { telegram: 3 },
      byCategory: { "os-network-drivers": 1, "virus-removal": 1, "data-recovery": 1 },
      byPlan: { "j-system": 3 },
    });
    const w12 = r.tickets.perWeek.find((w) => w.week === "2027-W12")!;
    // Closed Mon 22 – Sun 28: d-paid (LeghornGroup, no plan) and c-4; b-easter closes in W13.
    expect(w12.closed).toMatchObject({ total: 2, byPlan: { none: 1, "j-system": 1 } });
  });

  it("reports SLA outcomes, satisfaction and revenue", async () => {
    const r = await march();
    expect(r.sla).toEqual({ callbacksOverdue: 1, escalations: 2, pages: 1, acknowledgements: 1 });
    expect(r.csat.responses).toBe(3);
    expect(r.csat.average).toBe(3.67);
    expect(r.csat.distribution).toEqual({ "1": 0, "2": 1, "3": 0, "4": 1, "5": 1 });
    expect(r.csat.latestComments.map((c) => c.comment)).toEqual(["Ci è voluto troppo", "Velocissimi"]);
    // Billed minutes: A 60, B 60 + 90, C 60 + 60, D 45 = 375 → 6.25 h; amounts as in the statement.
    expect(r.billing.perMonth).toEqual([
      {
        month: "2027-03",
        // Every close: the reopened b-reopen counts twice (90 then 60 billed minutes).
        interventions: 12,
        billedMinutes: 465,
        billableHours: 7.75,
        netCents: 59900,
        vatCents: 13178,
        grossCents: 73078,
      },
    ]);
    expect(r.billing.currency).toBe("EUR");
  });

  it("lists SLA breaches, the backlog with ages, the reopen rate and hours and CSAT per technician", async () => {
    const r = await march();
    expect(r.slaBreaches.map((b) => [b.ticket, b.type])).toEqual([
      [seed.numbers["a-weekend"], "ticket.escalated"],
      [seed.numbers["d-paid"], "ticket.callback-overdue"],
      [seed.numbers["a-open"], "ticket.escalated"],
    ]);
    expect(r.ticketList.find((x) => x.number === seed.numbers["d-paid"])!.slaBreaches).toEqual([
      "ticket.callback-overdue",
    ]);
    // Still open at midnight of 1 April in Rome: a-open (25 March 10:00, 6 days) and b-april
    // (closed at 00:30 on 1 April, 0 days).
    expect(r.backlog).toMatchObject({
      open: 2,
      byStatus: { open: 2 },
      ageDays: { median: 0, p90: 6, oldest: 6 },
    });
    expect(r.backlog.tickets.map((x) => x.number)).toEqual([seed.numbers["a-open"], seed.numbers["b-april"]]);
    expect(r.reopens).toEqual({ closed: 11, reopened: 1, rate: 0.09 });
    // Marco closed everything: 12 closes, 565 minutes; ratings 5, 4 and 2.
    expect(r.technicians).toEqual([
      {
        technician: "Marco",
        interventions: 12,
        minutes: 565,
        hours: 9.42,
        billedMinutes: 465,
        csat: { responses: 3, average: 3.67 },
      },
    ]);
  });

  it("prints the same figures with sportello report, and refuses a bad range", async () => {
    let stdout = "";
    let stderr = "";
    const ctx: CliContext = {
      stdout: (s) => {
        stdout += s;
      },
      stderr: (s) => {
        stderr += s;
      },
      env: { DATABASE_URL: t.url },
      now: () => new Date(),
    };
    expect(
      await runCli(["report", "--from", "2027-03-01", "--to", "2027-03-31", "--policy", "leotron"], ctx),
    ).toBe(0);
    expect(JSON.parse(stdout)).toEqual(JSON.parse(JSON.stringify(await march())));
    stdout = "";
    expect(await runCli(["report", "--from", "2027-03-31", "--to", "2027-03-01"], ctx)).toBe(2);
    expect(stderr).toContain("is before --from");
    expect(() => dayRange("2027-02-30", "2027-03-01", "Europe/Rome")).toThrow(ReportError);
  });

  it("exposes first responses in service seconds as a Prometheus histogram", async () => {
    // Every claimed ticket once (the second claim of the reopened ticket is not a first response):
    // leotron a-lunch 60, a-weekend 60, a-std 20, b-reopen 10, b-easter 150, b-april 10, b-feb 30;
    // leotron-web 5, 30, 15, 20; leghorn d-free 0, d-paid 40 → 450 minutes in all.
    const countOf = async (policy: string) =>
      (await metrics.firstResponseServiceSeconds.get()).values.find(
        (v) => v.metricName?.endsWith("_count") && v.labels.policy === policy,
      )?.value;
    await expect.poll(() => countOf("leotron")).toBe(7);
    await expect.poll(() => countOf("leotron-web")).toBe(4);
    await expect.poll(() => countOf("leghorn")).toBe(2);
    const text = await metrics.render();
    const sum = (policy: string) =>
      Number(
        new RegExp(`sportello_first_response_service_seconds_sum\\{policy="${policy}"\\} (\\S+)`).exec(
          text,
        )?.[1],
      );
    expect(sum("leotron") + sum("leotron-web") + sum("leghorn")).toBe(450 * 60);
    expect(text).toContain(
      'sportello_first_response_service_seconds_bucket{le="3600",policy="leotron-web"} 4',
    );
  });

  it("takes quantiles by nearest rank (never interpolated)", () => {
    expect(quantile([], 0.5)).toBeNull();
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.9)).toBe(10);
    expect(quantile([10], 0.9)).toBe(10);
  });
});
