import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { listPresets, loadPolicy, PolicyError, PRESETS_DIR } from "../../src/policy/loadPolicy.js";

const dir = mkdtempSync(join(tmpdir(), "sportello-policy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const leotronSource = () => parse(readFileSync(join(PRESETS_DIR, "leotron.yaml"), "utf8"));

/** Writes a variant of leotron.yaml changed by `edit` and returns the error loading it throws. */
// biome-ignore lint/suspicious/noExplicitAny: tests reach into the YAML tree freely to break it.
type Doc = any;
function errorOf(name: string, edit: (doc: Doc) => void): PolicyError {
  const doc = leotronSource();
  edit(doc);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(doc));
  try {
    loadPolicy(file);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return error as PolicyError;
  }
  throw new Error(`expected ${name} to be rejected`);
}

describe("presets", () => {
  it("lists the three bundled presets and loads each", () => {
    expect(listPresets()).toEqual(["leghorn", "leotron", "leotron-web"]);
    for (const name of listPresets()) {
      const policy = loadPolicy(name);
      expect(policy.id).toBe(name);
      expect(policy.timezone).toBe("Europe/Rome");
      expect(policy.defaultLanguage).toBe("it");
      const keys = policy.categories.map((c) => c.key);
      expect(keys).toEqual(
        expect.arrayContaining([
          "software-usage",
          "peripheral-setup",
          "sales-mandate-label",
          "first-install",
          "hardware-repair",
          "software-reinstall",
          "os-install-update",
          "third-party-software",
          "data-recovery",
          "os-network-drivers",
          "email-setup",
          "virus-removal",
          "print-customization",
          "operator-error",
          "weekend-blocking",
          "other",
        ]),
      );
      expect(policy.categories.find((c) => c.key === "hardware-repair")?.hardware).toBe(true);
    }
  });

  it("leotron encodes document 002", () => {
    const p = loadPolicy("leotron");
    expect(p.ticketPrefix).toBe("LT");
    expect(p.serviceLevels.map((l) => l.key)).toEqual(["weekday", "weekend", "holiday-reduced"]);
    expect(p.serviceLevels[1]?.serves).toEqual({
      plans: ["j-system"],
      categories: ["weekend-blocking", "software-usage", "software-reinstall", "data-recovery"],
      requiresBlocking: true,
    });
    expect(p.serviceLevels[0]).toMatchObject({
      days: ["mon", "tue", "wed", "thu", "fri"],
      ranges: [
        ["09:00", "13:00"],
        ["14:30", "18:30"],
      ],
    });
    expect(p.holidays.days.filter((d) => d.service === "holiday-reduced").map((d) => d.key)).toEqual([
      "liberation-day",
      "labour-day",
      "republic-day",
      "all-saints",
      "immaculate-conception",
    ]);
    expect(p.plans.map((x) => [x.key, x.capMinutesPerIntervention, x.capMinutesPerMonth])).toEqual([
      ["standard", null, null],
      ["j-system", 60, null],
      ["warranty", null, null],
    ]);
    expect(p.plans[2]?.warranty).toMatchObject({ standardMonths: 12, maxMonths: 36 });
    expect(p.contacts.map((c) => [c.key, c.value])).toEqual([
      ["j2k-ticket", "Assistenza / Richiesta di assistenza"],
      ["online-form", "https://www.j2k.it/apri-ticket"],
      ["phone", "045.4684131"],
      ["whatsapp", "340.0662095"],
      ["weekend-phone", "045.2525658"],
    ]);
    expect(p.contacts.find((c) => c.key === "whatsapp")?.preferText).toBe(true);
    expect(p.contacts.find((c) => c.key === "phone")?.voicemail).toBe(true);
    expect(p.intake).toEqual({
      requireSalesRepAuthorization: false,
      backupReminder: true,
      askBlocking: true,
    });
    expect(p.feedback.enabled).toBe(true);
    expect(p.serviceLevels.map((l) => l.pageOnCall)).toEqual([false, true, false]);
  });

  it("leotron-web encodes document 003", () => {
    const p = loadPolicy("leotron-web");
    expect(p.ticketPrefix).toBe("LW");
    expect(p.serviceLevels[0]?.ranges).toEqual([
      ["09:15", "12:45"],
      ["14:45", "18:15"],
    ]);
    expect(p.holidays.calendar).toEqual({ country: "IT", types: ["public"], service: "closed" });
    expect(p.plans.find((x) => x.key === "j-system")?.capMinutesPerMonth).toBe(120);
    expect(p.contacts.map((c) => c.key)).toEqual([
      "online-form",
      "phone",
      "j2k-ticket",
      "weekend-phone",
      "paypal",
    ]);
    expect(p.contacts.find((c) => c.key === "phone")?.value).toBe("045.5117067");
  });

  it("leghorn encodes documents 000/001 and marks its assumptions", () => {
    const p = loadPolicy("leghorn");
    expect(p.ticketPrefix).toBe("LG");
    expect(p.intake.requireSalesRepAuthorization).toBe(true);
    expect(p.sla.callbackWithinHours).toBe(24);
    expect(p.contacts.find((c) => c.kind === "email")?.value).toBe("support@leghorngroup.com");
    expect(p.serviceLevels.map((l) => l.key)).toEqual(["weekday"]);
    expect(p.serviceLevels[0]?.serves.plans).toBeNull();
    expect(p.plans[0]?.warranty).toMatchObject({
      standardMonths: 12,
      extensionMonths: [24, 36],
      seriousDamageReturn: { place: "LeghornGroup, Livorno" },
    });
    expect(p.assumptions.some((a) => a.startsWith("Office hours are not in the documents"))).toBe(true);
    expect(p.assumptions.some((a) => a.includes("VAT 22%"))).toBe(true);
    const text = readFileSync(join(PRESETS_DIR, "leghorn.yaml"), "utf8");
    expect(text).toMatch(/# ASSUMPTION: office hours not stated/);
  });
});

describe("invalid presets", () => {
  it("wrong type: names the file, the field path and the expected type", () => {
    const error = errorOf("wrong-type", (doc) => {
      doc.charges.hourlyCents = "80,00";
    });
    expect(error.code).toBe("invalid-preset");
    expect(error.file).toContain("wrong-type.yaml");
    expect(error.issues).toEqual([
      {
        path: "charges.hourlyCents",
        message: 'Invalid input: expected number, received string (got "80,00")',
      },
    ]);
    expect(error.message).toContain("wrong-type.yaml");
    expect(error.message).toContain("charges.hourlyCents: Invalid input: expected number");
  });

  it("missing field", () => {
    const error = errorOf("missing", (doc) => {
      delete doc.timezone;
    });
    expect(error.issues).toEqual([{ path: "timezone", message: "missing field: expected string" }]);
  });

  it('bad time "25:00"', () => {
    const error = errorOf("bad-time", (doc) => {
      doc.serviceLevels[0].ranges[1][0] = "25:00";
    });
    expect(error.issues).toEqual([
      {
        path: "serviceLevels[0].ranges[1][0]",
        message: 'expected a time "HH:MM" between 00:00 and 24:00 (got "25:00")',
      },
    ]);
    expect(error.message).toContain('serviceLevels[0].ranges[1][0]: expected a time "HH:MM"');
  });

  it("overlapping ranges", () => {
    const error = errorOf("overlap", (doc) => {
      doc.serviceLevels[0].ranges = [
        ["09:00", "13:00"],
        ["12:30", "18:30"],
      ];
    });
    expect(error.issues).toEqual([
      {
        path: "serviceLevels[0].ranges[1][0]",
        message: "overlapping ranges: expected 12:30 to be at or after the end of the previous range",
      },
    ]);
  });

  it("a range ending before it starts", () => {
    const error = errorOf("backwards", (doc) => {
      doc.serviceLevels[2].ranges = [["13:00", "09:00"]];
    });
    expect(error.issues[0]?.path).toBe("serviceLevels[2].ranges[0]");
  });

  it("unknown category in a plan", () => {
    const error = errorOf("unknown-category", (doc) => {
      doc.plans[0].covers[1] = "knitting";
    });
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.path).toBe("plans[0].covers[1]");
    expect(error.issues[0]?.message).toMatch(
      /^unknown category "knitting": expected one of the keys under categories/,
    );
  });

  it("unknown field (typo) and bad holiday rule", () => {
    const error = errorOf("typo", (doc) => {
      doc.charges.hourlyCent = 1;
      doc.holidays.days[0].rule = "13-45";
    });
    expect(error.issues.map((i) => i.path).sort()).toEqual(["charges", "holidays.days[0].rule"]);
    expect(error.message).toContain('Unrecognized key: "hourlyCent"');
  });

  it("a day in two service levels", () => {
    const error = errorOf("both", (doc) => {
      doc.serviceLevels[1].days = ["fri", "sat", "sun"];
    });
    expect(error.issues).toEqual([
      {
        path: "serviceLevels[1].days[0]",
        message: 'expected "fri" in only one service level (also in "weekday")',
      },
    ]);
  });

  it("references to service levels, plans and packages are checked", () => {
    const error = errorOf("refs", (doc) => {
      doc.serviceLevels[1].serves.plans = ["gold"];
      doc.holidays.days[7].service = "reduced";
      doc.contacts[4].when = "weekends";
    });
    expect(error.issues.map((i) => i.path)).toEqual([
      "serviceLevels[1].serves.plans[0]",
      "holidays.days[7].service",
      "contacts[4].when",
    ]);
  });

  it("phone lines: only on phone contacts, one line per number, on-call only on a paging level", () => {
    const leotron = loadPolicy("leotron");
    expect(
      leotron.contacts.filter((c) => c.line).map((c) => [c.value, c.line?.number, c.line?.answers]),
    ).toEqual([
      ["045.4684131", "+390454684131", "voicemail"],
      ["045.2525658", "+390452525658", "on-call"],
    ]);
    const error = errorOf("lines", (doc) => {
      doc.contacts[3].line = { number: "+390452525658", answers: "voicemail" }; // WhatsApp, same number
      doc.contacts[2].line = { number: "045.4684131", answers: "voicemail" }; // not international
      doc.contacts[4].line.tellOpeningOf = "weekdays";
      doc.serviceLevels[1].pageOnCall = false;
      doc.serviceLevels[1].pageWhenOpens = false;
    });
    expect(error.issues.map((i) => i.path)).toEqual([
      "contacts[2].line.number",
      "contacts[3].line",
      "contacts[4].line.number",
      "contacts[4].when",
      "contacts[4].line.tellOpeningOf",
    ]);
  });

  it("unknown time zone and unknown holiday country", () => {
    const error = errorOf("zone", (doc) => {
      doc.timezone = "Europe/Atlantis";
      doc.holidays.calendar = { country: "XX", types: ["public"] };
    });
    expect(error.issues.map((i) => i.path)).toEqual(["timezone", "holidays.calendar.country"]);
  });

  it("invalid YAML reports the line", () => {
    const file = join(dir, "broken.yaml");
    writeFileSync(file, "id: leotron\nhours: [unclosed\n");
    expect(() => loadPolicy(file)).toThrow(
      expect.objectContaining({ code: "invalid-yaml", message: expect.stringContaining("broken.yaml") }),
    );
  });

  it("a missing file is unreadable", () => {
    expect(() => loadPolicy(join(dir, "nope.yaml"))).toThrow(expect.objectContaining({ code: "unreadable" }));
  });

  it("an unknown preset name lists the known presets", () => {
    expect(() => loadPolicy("leotronn")).toThrow(
      expect.objectContaining({
        code: "unknown-preset",
        file: null,
        message:
          'unknown preset "leotronn": expected one of leghorn, leotron, leotron-web or a path to a .yaml file',
      }),
    );
  });
});
