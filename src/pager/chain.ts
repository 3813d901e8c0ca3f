/**
 * The escalation chain of a page (pure): each way of the on-call technician in their order, then
 * each way of the next people on the rota, finally every admin at once (each by their first way).
 * Step `n` of a page is `chain[n % chain.length]`; the preset's `pageMaxRepeats` says how many
 * times the whole chain runs again before the page is given up.
 */
import type { ContactKind } from "../data/pagerStore.js";

export interface Reach {
  technicianId: string | null;
  technician: string;
  kind: ContactKind;
  /** Where (chat id, phone, address); null for the desks. */
  address: string | null;
}

export interface ChainStep {
  who: "on-call" | "rota" | "admins" | "desks";
  reach: Reach[];
}

export interface Reachable {
  id: string;
  name: string;
  phone: string | null;
  contacts: { kind: ContactKind; address: string | null }[];
}

/** The ways of a person that can be used now (an unlinked Telegram cannot); "desk" when none. */
export function usableWays(p: Reachable): Reach[] {
  const ways: Reach[] = [];
  for (const c of p.contacts) {
    const address =
      c.kind === "desk"
        ? null
        : (c.address ?? (c.kind === "sms" || c.kind === "voice" || c.kind === "whatsapp" ? p.phone : null));
    if (c.kind !== "desk" && !address) continue;
    ways.push({ technicianId: p.id, technician: p.name, kind: c.kind, address });
  }
  return ways.length ? ways : [{ technicianId: p.id, technician: p.name, kind: "desk", address: null }];
}

/** The chain for the people on the rota (in order) and the admins. */
export function escalationChain(rota: Reachable[], admins: Reachable[]): ChainStep[] {
  const steps: ChainStep[] = [];
  rota.forEach((p, i) => {
    for (const way of usableWays(p)) steps.push({ who: i === 0 ? "on-call" : "rota", reach: [way] });
  });
  const others = admins.filter((a) => !rota.some((p) => p.id === a.id));
  if (others.length) steps.push({ who: "admins", reach: others.map((a) => usableWays(a)[0]!) });
  if (steps.length === 0)
    steps.push({
      who: "desks",
      reach: [{ technicianId: null, technician: "", kind: "desk", address: null }],
    });
  return steps;
}
