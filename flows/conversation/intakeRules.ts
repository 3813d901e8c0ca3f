/**
 * What the preset decides during intake, read once per policy: which categories are hardware or
 * blocking by definition, which ones a customer may pick now, whose hours apply, coverage, and the
 * ticket draft handed to the runtime when the ticket opens.
 */
import { classify, FALLBACK_CATEGORY } from "../../src/ai/classifier.js";
import type { Audience } from "../../src/policy/calendar.js";
import { type CoverageDecision, decideCoverage } from "../../src/policy/coverage.js";
import type { Policy } from "../../src/policy/schema.js";
import { intentClassifierFor } from "../../src/understanding/intentClassifier.js";
import type { TicketDraft } from "../intents.js";
import { offerableCategories, offerableCategory, pageWhenOpens, serviceRouting } from "../serviceRouting.js";
import type { ConversationContext, Draft } from "./conversationTypes.js";
import { emptyDraft } from "./messageInput.js";

/** Longest description kept on a ticket; the full text stays in the transcript. */
export const MAX_DESCRIPTION_CHARS = 4000;

/** The conversation's clock: the time of the last event. */
export const now = (context: ConversationContext) => new Date(context.now);

/** The intake rules of one policy preset (see {@link intakeRules}). */
export type IntakeRules = ReturnType<typeof intakeRules>;

/** Reads the intake rules of `policy` once, for the machine built for it. */
export function intakeRules(policy: Policy) {
  const categoryKeys = new Set(policy.categories.map((c) => c.key));
  const hardwareCategories = new Set(policy.categories.filter((c) => c.hardware).map((c) => c.key));
  /** Categories that are blocking by definition are offered only while a level serving them runs. */
  const blockingCategories = new Set(policy.categories.filter((c) => c.blocking).map((c) => c.key));

  /** Whose hours apply: the customer's plans, the draft's category and blocking state. */
  const audienceOf = (context: ConversationContext, draft: Draft | null): Audience => ({
    plans: context.customer?.plans ?? [],
    category: draft?.category ?? null,
    blocking: draft?.blocking === true || blockingCategories.has(draft?.category ?? ""),
  });

  const coverageOf = (context: ConversationContext, draft: Draft): CoverageDecision =>
    decideCoverage(policy, {
      plans: context.customer?.plans ?? [],
      category: draft.category ?? "other",
      at: now(context),
      purchases: context.customer?.purchases ?? [],
      item: draft.item ?? undefined,
      purchasedOn: draft.purchasedOn ?? undefined,
      blocking: draft.blocking ?? false,
    });

  const shouldPage = (context: ConversationContext, draft: Draft) =>
    serviceRouting(policy, now(context), audienceOf(context, draft)).kind === "page-on-call";

  /** When a ticket that does not page now pages (its level opens), if it ever does. */
  const pageLater = (context: ConversationContext, draft: Draft | null) =>
    pageWhenOpens(policy, now(context), audienceOf(context, draft));

  return {
    policy,
    pageLater,
    /** Every category's names in both languages, so a typed name is understood. */
    categoryLabels: Object.fromEntries(policy.categories.map((c) => [c.key, Object.values(c.label)])),
    /** What a free sentence asks for (trained once per preset). */
    intents: intentClassifierFor(policy),
    /** The offered category a typed answer names: its label, else the preset's keywords. */
    categoryOf: (context: ConversationContext, text: string): string | null => {
      const offered = offerableCategories(policy, now(context), context.customer?.plans ?? []);
      const candidates = policy.categories.filter((c) => offered.includes(c.key));
      if (candidates.length === 0) return null;
      const found = classify(text, candidates);
      return found.confidence > 0 && found.category !== FALLBACK_CATEGORY ? found.category : null;
    },
    hardwareCategories,
    blockingCategories,
    /** The preset's serious-damage return rule (a warranty plan's), if any. */
    seriousDamageRule: policy.plans.find((p) => p.kind === "warranty")?.warranty?.seriousDamageReturn ?? null,
    audienceOf,
    coverageOf,
    /** A known category the customer may pick now. */
    offerable: (context: ConversationContext, key: string) =>
      categoryKeys.has(key) && offerableCategory(policy, key, now(context), context.customer?.plans ?? []),
    /** The categories the customer may pick now, in the preset's order. */
    offeredCategories: (context: ConversationContext) =>
      offerableCategories(policy, now(context), context.customer?.plans ?? []),
    /** The ticket the runtime opens from the draft. */
    toTicketDraft: (context: ConversationContext): TicketDraft => {
      const draft = context.draft ?? emptyDraft();
      const page = shouldPage(context, draft);
      const later = page ? null : pageLater(context, draft);
      return {
        description: draft.description.slice(0, MAX_DESCRIPTION_CHARS),
        attachments: draft.attachments,
        category: draft.category,
        summary: draft.summary,
        item: draft.item,
        purchasedOn: draft.purchasedOn,
        blocking: draft.blocking === true,
        priority: page || later ? "urgent" : draft.blocking ? "high" : "normal",
        salesRep: draft.salesRep,
        coverage: {
          ...(draft.coverage ?? {}),
          consent: draft.consent,
          ...(draft.seriousDamage !== null ? { seriousDamage: draft.seriousDamage } : {}),
        },
        consent: draft.consent,
        pageOnCall: page,
        pageAt: later ? later.at.toISOString() : null,
        status: policy.intake.requireSalesRepAuthorization ? "awaiting-authorization" : "open",
        language: context.language,
      };
    },
  };
}
