/**
 * Feeds the service-hour first-response histogram from the runtime's committed domain events:
 * when a ticket gets its first response (claim, reply, question or close), the service time since
 * it opened is observed once, in the preset's hours that serve that ticket.
 */
import type { Policy } from "../policy/schema.js";
import { serviceMillisBetween, servicesForCoverage } from "../policy/serviceTime.js";
import { RESPONSE_EVENTS } from "../reports/report.js";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";

export interface ResponseFacts {
  createdAt: Date;
  policy: string;
  coverage: Record<string, unknown>;
  /** Response events the ticket has, this one included. */
  responses: number;
}

const RESPONSES = new Set<string>(RESPONSE_EVENTS);

/** An `onEvents` listener for the runtime; observation failures are logged, never thrown. */
export function firstResponseObserver(deps: {
  metrics: Metrics;
  facts: (number: string) => Promise<ResponseFacts | null>;
  policies: (id: string) => Policy;
  logger: Logger;
}): (events: { type: string; ticket: string | null; at: Date }[]) => void {
  return (events) => {
    // Response events of this commit per ticket: the first is the ticket's first response when
    // the ticket has no other response stored.
    const batch = new Map<string, { first: Date; count: number }>();
    for (const event of events) {
      if (!RESPONSES.has(event.type) || !event.ticket) continue;
      const seen = batch.get(event.ticket);
      if (seen) seen.count += 1;
      else batch.set(event.ticket, { first: event.at, count: 1 });
    }
    for (const [number, { first, count }] of batch) {
      void (async () => {
        const facts = await deps.facts(number);
        if (!facts || facts.responses !== count) return;
        const policy = deps.policies(facts.policy);
        const ms = serviceMillisBetween(policy, facts.createdAt, first, servicesForCoverage(facts.coverage));
        deps.metrics.firstResponseServiceSeconds.observe({ policy: policy.id }, ms / 1000);
      })().catch((error) => deps.logger.warn({ err: error, ticket: number }, "response-time metric failed"));
    }
  };
}
