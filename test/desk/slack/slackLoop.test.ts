import { afterAll, beforeAll, it } from "vitest";
import type { StaffDesk } from "../../../src/desk/port.js";
import { type FakeSlackApi, startFakeSlackApi } from "../../support/fakeSlackApi.js";
import { createFakeStaffActions } from "../../support/fakeStaffActions.js";
import { runSlackLoop } from "./slackLoop.js";

let api: FakeSlackApi;

beforeAll(async () => {
  api = await startFakeSlackApi();
});

afterAll(async () => {
  await api.close();
});

it("full loop on the in-memory StaffActions fake: card, claim, relay, close with charge, outcome and feedback", async () => {
  const staff = createFakeStaffActions([{ id: "tech-1", name: "Mario Bianchi", slackUserId: "UMARIO" }]);
  let desk: StaffDesk | null = null;
  const seen = new Set<string>();
  staff.publish = async (event) => {
    await desk?.notify(event);
  };
  await runSlackLoop(api, {
    actions: staff,
    technicianSlackId: "UMARIO",
    connect(d) {
      desk = d;
    },
    async customerOpensTicket() {
      const ticket = staff.addTicket();
      await desk?.notify({ type: "ticket.opened", ticket });
      return ticket.number;
    },
    async customerWrites(number, text) {
      const ticket = staff.tickets.get(number)!;
      await desk?.notify({ type: "customer.message", ticket, text, attachments: [] });
    },
    async customerTexts() {
      return staff.toCustomer.map((m) => m.text);
    },
    async seen(source, key) {
      const k = `${source}:${key}`;
      if (seen.has(k)) return true;
      seen.add(k);
      return false;
    },
  });
});
