/** Facts the pure flow tests give the conversation machine: one known, verified customer. */
import type { CustomerFacts } from "../../flows/intents.js";

/** Giovanni of Bar Roma, a verified leotron customer on the standard plan. */
export const verifiedCustomer: CustomerFacts = {
  id: "c1",
  company: "Bar Roma",
  contactName: "Giovanni",
  language: "it",
  plans: ["standard"],
  purchases: [],
  verified: true,
  salesRep: null,
};
