/**
 * The Slack Close modal bills hourly time or a preset package with travel: the package select
 * and travel counts appear when the runtime lists packages, and the state reads back as the
 * neutral PackageBilling; the charge text never hides an amount behind "covered".
 */
import { describe, expect, it } from "vitest";
import { closeModal, MODAL, stateBilling, type ViewStateValues } from "../../../src/desk/slack/deskModals.js";
import { formatCharge } from "../../../src/desk/slack/ticketCard.js";
import { sampleTicket } from "../../support/fakeStaffActions.js";

const packages = [
  { key: "half-day", label: { it: "Mezza giornata", en: "Half-day consultancy" }, travel: false },
  { key: "onsite-day", label: { it: "Test on site", en: "One-day on-site test" }, travel: true },
];
const meta = { ticket: "LG-2027-00003", channel: "C1", ts: "1.2" };

describe("Close modal billing", () => {
  it("offers hourly time and the packages, with travel counts", () => {
    const view = closeModal(sampleTicket(), meta, undefined, undefined, undefined, packages);
    const blocks = view.blocks.map((b) => b.block_id);
    expect(blocks).toEqual(expect.arrayContaining(["package", "km", "days_overnight", "days"]));
    const select = view.blocks.find((b) => b.block_id === "package") as unknown as {
      element: { options: { value: string; text: { text: string } }[] };
    };
    expect(select.element.options.map((o) => o.text.text)).toEqual([
      "Hourly time (minutes above)",
      "Half-day consultancy",
      "One-day on-site test + travel",
    ]);
    // No packages in the preset: no billing inputs.
    const plain = closeModal(sampleTicket(), meta, undefined, undefined, undefined, []);
    expect(plain.blocks.map((b) => b.block_id)).not.toContain("package");
  });

  it("reads the chosen package and counts; refuses fractions", () => {
    const state = (km: string): ViewStateValues => ({
      package: { [MODAL.closePackageAction]: { selected_option: { value: "onsite-day" } } },
      km: { [MODAL.closeKmAction]: { value: km } },
      days_overnight: { [MODAL.closeDaysOvernightAction]: { value: "2" } },
      days: { [MODAL.closeDaysAction]: { value: "" } },
    });
    expect(stateBilling(state("137"))).toEqual({ package: "onsite-day", km: 137, daysOvernight: 2 });
    expect(stateBilling(state("12.5"))).toBeNull();
    expect(stateBilling({})).toBeUndefined();
  });

  it("shows the amount of a plan's excess and of a package", () => {
    const base = { currency: "EUR", netCents: 12000, vatCents: 2640, grossCents: 14640 };
    expect(formatCharge({ ...base, covered: true, plan: "j-system", billedMinutes: 90 })).toBe(
      "€ 146,40 incl. VAT (net € 120,00), 90 min billed beyond plan j-system",
    );
    expect(
      formatCharge({
        ...base,
        netCents: 0,
        vatCents: 0,
        grossCents: 0,
        covered: true,
        plan: "standard",
        billedMinutes: 0,
      }),
    ).toBe("covered by standard, no charge");
    expect(
      formatCharge({
        ...base,
        covered: false,
        plan: null,
        billedMinutes: 0,
        package: "onsite-day",
        lines: [
          { item: "package", quantity: 1, unitCents: 55000, cents: 55000 },
          { item: "km", quantity: 137, unitCents: 40, cents: 5480 },
        ],
      }),
    ).toContain("package onsite-day + 137 km");
  });
});
