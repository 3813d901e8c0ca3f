/**
 * A voicemail is never lost to a failed recording download: the callback stores a job, the
 * fake Twilio REST server fails the download, the job tries again later (durably, in the job
 * table) until the recording comes; if it never does, the voicemail is still taken.
 */
import { describe, expect, it } from "vitest";
import * as store from "../../src/data/supportStore.js";
import { eventually } from "../support/eventually.js";
import type { FakeTwilioApi } from "../support/fakeTwilioApi.js";
import type { Harness, HarnessOptions } from "../support/harness.js";
import { usePhoneLines } from "../support/phoneLines.js";
import { theRow } from "../support/rows.js";

describe("voicemail recordings that fail to download", () => {
  const phone = usePhoneLines();
  let h: Harness;
  let twilio: FakeTwilioApi;

  async function start(clock: string, extra: Partial<HarnessOptions> = {}) {
    ({ h, twilio } = await phone.start(clock, extra));
  }

  const { leave } = phone;

  it("a recording that fails to download is tried again later, durably, until it comes", async () => {
    await start("2027-03-30T10:00:00+02:00"); // Tuesday
    const customer = await h.customer({ plans: ["standard"] });
    twilio.failingRecordings.set("RE0070", 2);
    await leave(customer, "CA0070", "RE0070");
    // The first download failed: no ticket yet, the voicemail waits in the job table.
    expect(twilio.failedDownloads).toEqual(["RE0070"]);
    expect(h.events.filter((e) => e.type === "ticket.opened")).toHaveLength(0);
    const job = await theRow(h.db, "Job", `"key" = 'phone.voicemail:CA0070'`);
    expect(job.status).toBe("pending");
    expect(JSON.parse(job.payload)).toMatchObject({ recordingSid: "RE0070", attempt: 1 });
    // Not before its wait (30 s), then again (fails), then a minute later it comes.
    h.clock.advance(29_000);
    await h.runDueJobs();
    expect(twilio.failedDownloads).toHaveLength(1);
    h.clock.advance(1_000);
    await h.runDueJobs();
    expect(twilio.failedDownloads).toEqual(["RE0070", "RE0070"]);
    expect(twilio.downloads).toEqual([]);
    h.clock.advance(60_000);
    await h.runDueJobs();
    expect(twilio.downloads).toEqual(["RE0070"]);
    const opened = await eventually(
      () => h.events.find((e) => e.type === "ticket.opened"),
      "the voicemail's ticket once downloaded",
    );
    const ticket = (await store.findTicket(h.db, opened.ticket!))!;
    expect(ticket.customerId).toBe(customer.id);
    const coverage = (
      typeof ticket.coverage === "string" ? JSON.parse(ticket.coverage) : ticket.coverage
    ) as { attachments: unknown[] };
    expect(coverage.attachments).toEqual([
      { kind: "voice", mime: "audio/mpeg", name: "voicemail-RE0070.mp3", ref: "media-1" },
    ]);
    // Recorded when the call ended, not when the download came.
    const [line] = await store.transcript(h.db, ticket);
    expect(line?.at.toISOString()).toBe(new Date("2027-03-30T10:00:00+02:00").toISOString());
    h.clock.advance(60 * 60_000);
    await h.runDueJobs();
    expect(twilio.downloads).toEqual(["RE0070"]);
    expect(h.events.filter((e) => e.type === "ticket.opened")).toHaveLength(1);
  });

  it("a recording that never downloads still leaves its voicemail: a ticket that says where the recording is", async () => {
    await start("2027-03-30T10:00:00+02:00"); // Tuesday
    const customer = await h.customer({ plans: ["standard"] });
    twilio.failingRecordings.set("RE0080", 1000);
    await leave(customer, "CA0080", "RE0080");
    for (let i = 0; i < 12 && !h.events.some((e) => e.type === "ticket.opened"); i++) {
      h.clock.advance(30 * 60_000);
      await h.runDueJobs();
    }
    expect(twilio.failedDownloads).toHaveLength(12);
    const opened = h.events.find((e) => e.type === "ticket.opened");
    expect(opened, "the voicemail's ticket without its recording").toBeDefined();
    const ticket = (await store.findTicket(h.db, opened!.ticket!))!;
    expect(ticket.customerId).toBe(customer.id);
    expect(ticket.description).toContain("non è stato possibile scaricare la registrazione");
    expect(ticket.description).toContain("RE0080");
  });
});
