/**
 * The conversation's composed replies and prompts: the menu, the category list, the price quote,
 * the availability lines after a ticket opens, the "request opened" line, the close message and
 * the numbered questions of a one-reply intake. Every string is a locale key with params.
 */
import { DateTime } from "luxon";
import { FALLBACK_CATEGORY } from "../../src/ai/classifier.js";
import { type Availability, availability, plansAudience, serviceLevel } from "../../src/policy/calendar.js";
import { rateQuote } from "../../src/policy/charge.js";
import type { Policy } from "../../src/policy/schema.js";
import type { Params } from "../intents.js";
import type { MailQuestion } from "../mailIntake.js";
import { levelLine, serviceRouting } from "../serviceRouting.js";
import type {
  CloseCharge,
  ConversationContext,
  Draft,
  Prompt,
  ReplyParams,
  TicketClosedEvent,
} from "./conversationTypes.js";
import { type IntakeRules, now } from "./intakeRules.js";

/** The main menu. */
export const MENU_PROMPT: Prompt = {
  key: "menu.prompt",
  choices: [
    { id: "new", key: "menu.new" },
    { id: "status", key: "menu.status" },
    { id: "info", key: "menu.info" },
    { id: "hours", key: "menu.hours" },
  ],
};

/** The categories the customer may pick now. */
export function categoryPrompt(rules: IntakeRules, context: ConversationContext): Prompt {
  const offered = rules.offeredCategories(context);
  const unsure = offered.includes(FALLBACK_CATEGORY) ? FALLBACK_CATEGORY : undefined;
  return {
    key: "intake.pickCategory",
    choices: offered.map((key) => ({ id: key, params: {}, key: `category:${key}` })),
    expects: {
      kind: "choice",
      labels: rules.categoryLabels,
      // "Non so" is always an answer: a technician will classify the problem.
      ...(unsure ? { unsure, fallback: { option: unsure, movedOn: "understanding.movedOn.category" } } : {}),
    },
  };
}

/** The hourly rate's figures, as the params of a quote (chat and e-mail intake alike). */
export function quoteParams(policy: Policy): Params {
  const quote = rateQuote(policy);
  return {
    hourly: { $money: quote.hourlyCents },
    vat: quote.vatPercent,
    minimum: quote.minimumMinutes,
    increment: quote.incrementMinutes,
    free: quote.freeMinutes,
  };
}

/** The quote starts with free minutes (the message says so). */
export const hasFreeMinutes = (quote: Params) => (quote.free as number) > 0;

/**
 * Why the work is billable, in the customer's facts: no contract at all, a monthly allowance
 * used up, or contracts that do not cover this request. The quote's key suffix and params.
 */
export function quoteReason(
  policy: Policy,
  plans: readonly string[],
  coverage: { plan: string | null; covered: boolean } | null | undefined,
): { suffix: "" | "NoContract" | "CapUsed"; params: Params } {
  const contracts = policy.plans.filter((p) => p.kind === "contract" && plans.includes(p.key));
  const capped = coverage?.plan ? contracts.find((p) => p.key === coverage.plan) : undefined;
  if (capped) return { suffix: "CapUsed", params: { plan: { $plan: capped.key } } };
  if (contracts.length === 0) return { suffix: "NoContract", params: {} };
  return { suffix: "", params: {} };
}

/** The locale key and params of the consent question (`base`: "intake.quote" or "mail.askConsent"). */
export function quotePrompt(
  policy: Policy,
  context: ConversationContext,
  base: "intake.quote" | "mail.askConsent",
): { key: string; params: Params } {
  const quote = quoteParams(policy);
  if (hasFreeMinutes(quote)) return { key: `${base}WithFree`, params: quote };
  const reason = quoteReason(policy, context.customer?.plans ?? [], context.draft?.coverage);
  return { key: `${base}${reason.suffix}`, params: { ...quote, ...reason.params } };
}

/** The customer's "request opened" line (chat and e-mail intake alike). */
export function ticketOpenedLine(policy: Policy, event: { number: string; status: string }): ReplyParams {
  return {
    key:
      event.status === "awaiting-authorization"
        ? "intake.ticketAwaitingAuthorization"
        : "intake.ticketOpened",
    params: { number: event.number, hours: policy.sla.callbackWithinHours ?? null },
  };
}

/** An instant said at `at`: the same day reads "today", the next one "tomorrow". */
const instant = (d: Date | null, at: Date) =>
  d ? { $instant: d.toISOString(), from: at.toISOString() } : null;
const time = (d: Date) => ({ $time: d.toISOString() });

/**
 * Availability lines after a ticket opens, or when the customer asks for hours: only the
 * service levels that serve this customer (and request) count for "open now" and "next opening".
 * When closed, what the customer hears is what is true of their own service levels today: a
 * level of theirs that closed at 13:00 today ("closed at 13:00", not "closed all day"), one that
 * opens later today only for other requests (weekend service for blocking problems), and — when a
 * level of their plans opens before the one for this request — when that one opens.
 */
export function availabilityReplies(
  rules: IntakeRules,
  context: ConversationContext,
  draft: Draft | null,
  opened: boolean,
): ReplyParams[] {
  const { policy } = rules;
  const at = now(context);
  const audience = rules.audienceOf(context, draft);
  const a = availability(policy, at, audience);
  const replies: ReplyParams[] = [];
  const routing = serviceRouting(policy, at, audience);
  if (opened && routing.kind === "page-on-call") {
    const line = levelLine(policy, routing.level.key);
    replies.push({
      key: line ? "service.pagedWithLine" : "service.paged",
      params: { service: { $level: routing.level.key }, line },
    });
  } else if (routing.kind === "not-served") {
    const line = levelLine(policy, routing.level.key);
    replies.push({
      key: opened ? "service.notServedTicket" : "service.notServed",
      params: {
        service: { $level: routing.level.key },
        audience: { $levelAudience: routing.level.key },
        line: line ?? "",
        nextOpenAt: instant(a.nextOpenAt, at),
      },
    });
  } else if (a.open) {
    const awaiting = policy.intake.requireSalesRepAuthorization;
    replies.push({
      key: opened && !awaiting ? "availability.openNowTicket" : "availability.openNow",
      params: { closesAt: a.closesAt ? time(a.closesAt) : null },
    });
  } else {
    replies.push(...closedReplies(rules, a, audience.plans, at, opened));
    const later = opened ? rules.pageLater(context, draft) : null;
    if (later) {
      const line = levelLine(policy, later.level.key);
      replies.push({
        key: line ? "service.pageWhenOpensWithLine" : "service.pageWhenOpens",
        params: { pageAt: instant(later.at, at), line },
      });
    }
  }
  if (opened && policy.sla.callbackWithinHours && !policy.intake.requireSalesRepAuthorization) {
    replies.push({ key: "availability.callbackWithin", params: { hours: policy.sla.callbackWithinHours } });
  }
  return replies;
}

/** Same local day in the policy's zone (the calendar's day, not UTC's). */
const sameDay = (policy: Policy, x: Date, y: Date) =>
  DateTime.fromJSDate(x, { zone: policy.timezone }).toISODate() ===
  DateTime.fromJSDate(y, { zone: policy.timezone }).toISODate();

/** The closed-now lines: today's situation for the customer's levels, then the next opening(s). */
function closedReplies(
  rules: IntakeRules,
  a: Availability,
  plans: readonly string[],
  at: Date,
  opened: boolean,
): ReplyParams[] {
  const { policy } = rules;
  const family =
    opened && !policy.intake.requireSalesRepAuthorization && !policy.sla.callbackWithinHours
      ? "closedCallback"
      : "closed";
  // Every level of the customer's plans, whatever this request: what their support did today.
  const own = availability(policy, at, plansAudience(policy, plans));
  const holiday = a.holiday ? { $holiday: a.holiday } : null;
  const nextOpenAt = instant(a.nextOpenAt, at);
  const replies: ReplyParams[] = [];
  let laterToday = false;
  if (own.closedAt && own.closedService) {
    replies.push({
      key: `availability.${family}.${holiday ? "holidayClosedAt" : "closedAt"}`,
      params: { holiday, service: { $level: own.closedService }, closedAt: time(own.closedAt), nextOpenAt },
    });
  } else if (
    (a.reason === "weekend" || a.reason === "holiday" || a.reason === "no-service-day") &&
    own.nextOpenAt &&
    own.nextOpenService &&
    sameDay(policy, own.nextOpenAt, at)
  ) {
    laterToday = true;
    replies.push({
      key: `availability.${family}.levelLaterToday`,
      params: {
        service: { $level: own.nextOpenService },
        audience: { $levelAudience: own.nextOpenService },
        opensAt: time(own.nextOpenAt),
        nextOpenAt,
      },
    });
  } else {
    replies.push({ key: `availability.${family}.${a.reason ?? "evening"}`, params: { holiday, nextOpenAt } });
  }
  const earlier =
    own.nextOpenAt && own.nextOpenService && (!a.nextOpenAt || own.nextOpenAt < a.nextOpenAt) ? own : null;
  if (earlier && !laterToday && serviceLevel(policy, earlier.nextOpenService)?.audience) {
    replies.push({
      key: "availability.alsoLevel",
      params: {
        service: { $level: earlier.nextOpenService! },
        audience: { $levelAudience: earlier.nextOpenService! },
        opensAt: instant(earlier.nextOpenAt, at),
      },
    });
  }
  return replies;
}

/** The close message's main text: the charge whenever there is one, "covered" or "no charge" otherwise. */
function closeSummary(event: TicketClosedEvent, detailed: boolean): ReplyParams {
  const charge = event.charge;
  const base: Params = { number: event.number, resolution: event.resolution };
  if (!charge) return { key: "feedback.closed", params: base };
  const money = { $money: charge.grossCents };
  if (charge.grossCents > 0) {
    if (charge.package) {
      const travel = (charge.lines ?? []).some((l) => l.item !== "package");
      return {
        key: travel ? "feedback.closedPackageTravel" : "feedback.closedPackage",
        params: { ...base, charge: money, package: { $package: charge.package } },
      };
    }
    if (detailed) {
      return {
        key: "feedback.closedCharged",
        params: {
          ...base,
          charge: money,
          net: { $money: charge.netCents ?? 0 },
          vat: { $money: charge.vatCents ?? 0 },
        },
      };
    }
    if (charge.plan) {
      return {
        key: "feedback.closedWithExcess",
        params: {
          ...base,
          charge: money,
          plan: { $plan: charge.plan },
          minutes: charge.billedMinutes ?? 0,
        },
      };
    }
    return {
      key: "feedback.closedWithCharge",
      params: { ...base, charge: money, minutes: charge.billedMinutes ?? 0 },
    };
  }
  if (charge.covered && charge.plan) {
    return { key: "feedback.closedCovered", params: { ...base, plan: { $plan: charge.plan } } };
  }
  return { key: "feedback.closedFree", params: base };
}

/** One line of a close's charge, net ("• Spare parts: 1 × PSU — €90.00 + VAT"). */
function chargeLineText(
  line: NonNullable<CloseCharge["lines"]>[number],
  pkg: string | undefined,
): ReplyParams {
  const params: Params = {
    quantity: line.quantity,
    unit: { $money: line.unitCents },
    cents: { $money: line.cents },
    description: line.description ?? "",
  };
  if (line.item === "package" && pkg) params.package = { $package: pkg };
  return { key: `feedback.line.${line.item}`, params };
}

/**
 * The close message: its charge with every line when there is more than hourly time, the
 * ticket's total at a reopened close, the capped plan's allowance after it and what the plan
 * excludes for this work (warranty: OS restore time, transport; J-System hardware: parts, transport).
 */
export function closeReply(event: TicketClosedEvent): ReplyParams {
  const charge = event.charge;
  if (!charge) return closeSummary(event, false);
  const lines = charge.lines ?? [];
  // Itemized when more than hourly time or a bare package is billed (travel, parts, transport).
  const itemized = lines.some((l) => l.item !== "hourly" && l.item !== "package");
  const details: ReplyParams[] = [];
  if (itemized && charge.grossCents > 0)
    for (const l of lines) details.push(chargeLineText(l, charge.package));
  if (charge.total && charge.total.sessions > 1) {
    details.push({
      key: "feedback.sessionTotal",
      params: {
        number: event.number,
        sessions: charge.total.sessions,
        minutes: charge.total.minutes,
        gross: { $money: charge.total.grossCents },
      },
    });
  }
  const a = charge.allowance;
  if (a) {
    details.push(
      a.per === "month"
        ? {
            key: "feedback.allowanceMonth",
            params: {
              plan: { $plan: a.plan },
              used: a.usedMinutes,
              cap: a.capMinutes,
              left: a.leftMinutes ?? 0,
            },
          }
        : {
            key: "feedback.allowanceIntervention",
            params: { plan: { $plan: a.plan }, used: a.usedMinutes, cap: a.capMinutes },
          },
    );
  }
  if (charge.exclusions?.length && charge.plan) {
    details.push({
      key: "feedback.exclusions",
      params: { plan: { $plan: charge.plan }, list: { $localized: charge.exclusions } },
    });
  }
  const summary = closeSummary(event, itemized);
  if (details.length === 0) return summary;
  return {
    key: "feedback.closedDetailed",
    params: { summary: { $texts: [summary] }, details: { $texts: details } },
  };
}

/** The numbered questions of a one-reply intake, as replies (the channel sends them as one message). */
export function mailQuestionReplies(
  rules: IntakeRules,
  context: ConversationContext,
  asked: MailQuestion[],
  intro: boolean,
): ReplyParams[] {
  if (asked.length === 0) return [];
  const replies: ReplyParams[] = [
    {
      key: intro ? "mail.questionsIntro" : "mail.questionsAgain",
      params: { number: context.ticket ?? "" },
    },
  ];
  asked.forEach((question, i) => {
    const n = i + 1;
    switch (question) {
      case "category":
        replies.push({
          key: "mail.askCategory",
          params: { n, category: { $category: context.draft?.category ?? "other" } },
          choices: rules.offeredCategories(context).map((key) => ({ id: key, key: `category:${key}` })),
        });
        break;
      case "blocking":
        replies.push({ key: "mail.askBlocking", params: { n } });
        break;
      case "consent": {
        const quote = quotePrompt(rules.policy, context, "mail.askConsent");
        replies.push({ key: quote.key, params: { n, ...quote.params } });
        break;
      }
      case "salesRep":
        replies.push({ key: "mail.askSalesRep", params: { n } });
        break;
    }
  });
  return replies;
}
