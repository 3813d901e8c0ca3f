/** A story's `staff` step as the {@link StaffAction} the runtime performs. */
import type { StaffAction } from "../desk/port.js";
import type { StoryStaffStep } from "./storySchema.js";

/** The action of `s` on `ticket`, by the technician named in `s.as`. */
export function toStaffAction(s: StoryStaffStep, ticket: string): StaffAction {
  const by = { name: s.as };
  switch (s.do) {
    case "close":
      return {
        type: "close",
        ticket,
        by,
        minutes: s.minutes ?? 0,
        resolution: s.note ?? s.text ?? "",
        ...(s.category ? { category: s.category } : {}),
        ...(s.plan ? { plan: s.plan } : {}),
        ...(s.package
          ? {
              billing: {
                package: s.package,
                ...(s.km !== undefined ? { km: s.km } : {}),
                ...(s.daysOvernight !== undefined ? { daysOvernight: s.daysOvernight } : {}),
                ...(s.days !== undefined ? { days: s.days } : {}),
              },
            }
          : {}),
      };
    case "reply":
    case "note":
    case "ask":
      return { type: s.do, ticket, by, text: s.text ?? s.note ?? "" };
    case "authorize":
      return { type: "authorize", ticket, by, salesRep: s.salesRep ?? "" };
    case "reopen":
      return { type: "reopen", ticket, by, ...(s.text ? { reason: s.text } : {}) };
    default:
      return { type: s.do, ticket, by } as StaffAction;
  }
}
