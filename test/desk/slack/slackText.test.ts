import { describe, expect, it } from "vitest";
import { parseMinutes } from "../../../src/desk/slack/deskModals.js";
import { escapeSlackText, formatCents, safeText } from "../../../src/desk/slack/slackText.js";
import { parseSportelloCommand } from "../../../src/desk/slack/sportelloCommand.js";
import { slackToPlain } from "../../../src/desk/slack/staffWording.js";
import { formatCoverage } from "../../../src/desk/slack/ticketCard.js";

describe("Slack text", () => {
  it("escapes &, <, > and disarms broadcast words", () => {
    expect(escapeSlackText("<!here> a&b <@U1> @channel @Everyone")).toBe(
      "&lt;!here&gt; a&amp;b &lt;@U1&gt; @\u2060channel @\u2060Everyone",
    );
  });

  it("truncates before escaping so an entity is never cut", () => {
    expect(safeText("abc<def", 4)).toBe("abc…");
    expect(safeText("ab<", 3)).toBe("ab&lt;");
  });

  it("turns a technician's Slack markup into plain text for the customer", () => {
    expect(
      slackToPlain("a &lt;b&gt; &amp;amp; <mailto:x@y.it|x@y.it> <https://a.it> <!here> <#C1|staff>"),
    ).toBe("a <b> &amp; x@y.it https://a.it @here #staff");
  });

  it("formats cents with an Italian decimal comma", () => {
    expect(formatCents(7320, "EUR")).toBe("€ 73,20");
    expect(formatCents(5, "EUR")).toBe("€ 0,05");
  });

  it("renders open-shaped coverage, well-known keys first, customer strings escaped", () => {
    expect(formatCoverage({ note: "<!here>", kind: "billable", quotedRateCents: 4500, consent: false })).toBe(
      "billable · quoted rate € 45,00/h · *no consent yet* · note: &lt;!here&gt;",
    );
    expect(formatCoverage({})).toBe("not decided");
  });

  it("reads minutes as whole numbers only", () => {
    expect(parseMinutes("45")).toBe(45);
    expect(parseMinutes("0")).toBe(0);
    expect(parseMinutes("4.5")).toBeNull();
    expect(parseMinutes("-3")).toBeNull();
    expect(parseMinutes("")).toBeNull();
  });
});

describe("/sportello parsing", () => {
  const zone = "Europe/Rome";

  it("reads shifts across the DST change in Europe/Rome", () => {
    // 2027-03-28: clocks go from 02:00 to 03:00 in Rome.
    const parsed = parseSportelloCommand("oncall set <@U0LUCIA|lucia> 2027-03-27T08:00 2027-03-28", zone);
    expect(parsed).toEqual({
      kind: "oncall-set",
      slackUserId: "U0LUCIA",
      startsAt: new Date("2027-03-27T07:00:00Z"),
      endsAt: new Date("2027-03-28T22:00:00Z"),
    });
  });

  it("refuses malformed input with a hint", () => {
    expect(parseSportelloCommand("oncall set lucia 2027-03-27 2027-03-28", zone)).toMatchObject({
      kind: "help",
    });
    expect(parseSportelloCommand("oncall set <@U0LUCIA> 2027-03-28 2027-03-27T10:00", zone)).toMatchObject({
      kind: "help",
      problem: expect.stringContaining("after"),
    });
    expect(parseSportelloCommand("claim", zone)).toMatchObject({ kind: "help" });
    expect(parseSportelloCommand("claim a b", zone)).toMatchObject({ kind: "help" });
    expect(parseSportelloCommand("  TICKETS   Mine ", zone)).toEqual({ kind: "tickets", filter: "mine" });
    expect(parseSportelloCommand("ticket lt-2026-00042", zone)).toEqual({
      kind: "ticket",
      ticket: "LT-2026-00042",
    });
  });
});
