/**
 * One customer conversation (one chat on one channel): intake of a new problem, the menu, the
 * weekend routing, the relay while a technician handles the ticket, and the feedback after close.
 *
 * Pure: the machine reads the policy it was built with and the facts carried by each event, and
 * returns intents (named actions) for the runtime to execute. Every company rule comes from the
 * policy preset; nothing here names a company.
 */
import { assign, enqueueActions, fromPromise, raise, setup } from "xstate";
import { type Audience, availability } from "../src/policy/calendar.js";
import { type Charge, rateQuote } from "../src/policy/charge.js";
import { type CoverageDecision, decideCoverage } from "../src/policy/coverage.js";
import type { Policy } from "../src/policy/schema.js";
import type {
  AttachmentMeta,
  ChoiceIntent,
  CustomerFacts,
  InboundFacts,
  Language,
  OpenTicketFacts,
  Params,
  TicketDraft,
} from "./intents.js";
import type { MailAnswers } from "./mailIntake.js";
import { type MailQuestion, mailQuestions, parseMailAnswers } from "./mailIntake.js";
import { levelLine, offerableCategory, serviceRouting } from "./serviceRouting.js";
import {
  isCancelCommand,
  isGreetingOnly,
  isMenuCommand,
  matchChoice,
  normalize,
  parseCustomerDate,
} from "./textMatchers.js";

/** Longest description kept on a ticket; the full text stays in the transcript. */
export const MAX_DESCRIPTION_CHARS = 4000;

export interface Draft {
  description: string;
  attachments: AttachmentMeta[];
  category: string | null;
  suggested: string | null;
  summary: string | null;
  item: string | null;
  purchasedOn: string | null;
  itemAsked: boolean;
  blocking: boolean | null;
  suggestedBlocking: boolean | null;
  consent: boolean | null;
  salesRep: string | null;
  coverage: CoverageDecision | null;
  /** A transcribed voice note waiting for the customer's confirmation. */
  pendingVoice: string | null;
  /** One-reply intake: the questions still open on the ticket, in the order they were numbered. */
  asked?: MailQuestion[];
  /** The device shows serious damage (presets with a serious-damage return rule ask). */
  seriousDamage: boolean | null;
}

export interface Prompt {
  key: string;
  params?: Params;
  choices?: ChoiceIntent[];
}

export interface ConversationContext {
  language: Language;
  customer: CustomerFacts | null;
  openTickets: OpenTicketFacts[];
  aiEnabled: boolean;
  /** The channel reads one message per turn (e-mail): intake in one reply. */
  oneReply?: boolean;
  /** The sender's phone number when the channel gives one. */
  senderPhone: string | null;
  identity: { company: string | null };
  draft: Draft | null;
  /** The ticket this chat follows (opened here, not yet closed). */
  ticket: string | null;
  technician: string | null;
  feedback: { ticket: string; rating: number | null } | null;
  /** Last question asked, re-sent when the answer is not understood. */
  prompt: Prompt | null;
  /** Choice ids of the last list offered, in order, so "2" can be understood. */
  choices: string[];
  now: string;
  lastInboundAt: string | null;
  /** Current inbound message, split out for the states. */
  input: { text: string; choice: string | null; attachments: AttachmentMeta[] };
}

export type ConversationEvent =
  | {
      type: "inbound";
      at: string;
      text: string;
      choice?: string;
      attachments: AttachmentMeta[];
      facts: InboundFacts;
    }
  | { type: "input" }
  | { type: "xstate.done.actor.triage"; output: TriageOutput }
  | { type: "xstate.error.actor.triage"; error: unknown }
  | { type: "xstate.done.actor.transcribe"; output: TranscribeOutput }
  | { type: "xstate.error.actor.transcribe"; error: unknown }
  | { type: "ticket.opened"; number: string; status: string; at: string }
  | { type: "ticket.claimed"; number: string; technician: string; at: string }
  | { type: "ticket.authorized"; number: string; at: string }
  | {
      type: "ticket.closed";
      number: string;
      resolution: string;
      charge: CloseCharge | null;
      at: string;
    }
  | { type: "ticket.reopened"; number: string; at: string }
  | { type: "ticket.declined"; number: string; at: string };

type InboundEvent = Extract<ConversationEvent, { type: "inbound" }>;

/** The charge of a close as the conversation needs it (a policy `Charge`, extra fields optional). */
export type CloseCharge = Pick<Charge, "grossCents" | "covered"> &
  Partial<Omit<Charge, "grossCents" | "covered">>;

/** What the named `triage` actor answers (AI or the offline classifier). */
export interface TriageOutput {
  category: string | null;
  blocking?: boolean;
  summary?: string | null;
}

/** What the named `transcribe` actor answers; null when the voice note was not understood. */
export type TranscribeOutput = { text: string } | null;

/**
 * The flows' named actors. Their work is I/O (a model, the offline classifier, a download), so
 * the machine only declares them: the runtime executes each `xstate.spawnChild` of these sources
 * as a durable job and answers with the actor's done (or error) event, which survives restarts.
 */
export const conversationActors = {
  triage: fromPromise<TriageOutput, { text: string }>(async () => {
    throw new Error("the triage actor is executed by the runtime");
  }),
  transcribe: fromPromise<TranscribeOutput, { attachment: AttachmentMeta }>(async () => {
    throw new Error("the transcribe actor is executed by the runtime");
  }),
};

function emptyDraft(): Draft {
  return {
    description: "",
    attachments: [],
    category: null,
    suggested: null,
    summary: null,
    item: null,
    purchasedOn: null,
    itemAsked: false,
    blocking: null,
    suggestedBlocking: null,
    consent: null,
    salesRep: null,
    coverage: null,
    pendingVoice: null,
    seriousDamage: null,
  };
}

const MEDIA_KINDS = new Set(["image", "video", "document", "audio"]);

const PHONE = /\+?\d[\d\s./()-]{5,}\d/;
const EMAIL = /[^\s@]+@[^\s@]+\.[^\s@]{2,}/;

/** A name (with or without a contact): some letters, not a greeting, a command or a long story. */
function looksLikeName(text: string): boolean {
  const withoutReach = text.replace(EMAIL, " ").replace(PHONE, " ");
  return (
    (withoutReach.match(/\p{L}/gu) ?? []).length >= 2 &&
    text.length <= 120 &&
    !isGreetingOnly(text) &&
    !isMenuCommand(text)
  );
}

/** Contains a phone number or an e-mail address. */
function hasReach(text: string): boolean {
  return PHONE.test(text) || EMAIL.test(text);
}

function validCompany(text: string): boolean {
  return /\p{L}/u.test(text) && text.length >= 2;
}

/** The non-empty lines of a one-reply answer, without their "1)", "2." numbers. */
function answerLines(text: string): string[] {
  return text
    .split(/\n/)
    .map((l) => l.trim().replace(/^\d{1,2}\s*[).:\-–]\s*/, ""))
    .filter((l) => l !== "");
}

/**
 * Company and contact from one answer to both sign-up questions (first line the company, the
 * rest the contact's name and how to reach them), or null when either is missing or unclear.
 */
function identityAnswers(text: string, hasPhone: boolean): { company: string; contactName: string } | null {
  const [company = "", ...rest] = answerLines(text);
  const contact = rest.join(", ");
  if (!validCompany(company) || !looksLikeName(contact)) return null;
  if (!hasPhone && !hasReach(contact)) return null;
  return { company: company.slice(0, 200), contactName: contact.slice(0, 200) };
}

/** Builds the conversation machine for one policy preset. */
export function createConversationMachine(policy: Policy) {
  const categoryKeys = policy.categories.map((c) => c.key);
  const hardwareCategories = new Set(policy.categories.filter((c) => c.hardware).map((c) => c.key));
  /** Categories that are blocking by definition are offered only while a level serving them runs. */
  const blockingCategories = new Set(policy.categories.filter((c) => c.blocking).map((c) => c.key));
  const offerable = (context: ConversationContext, key: string) =>
    offerableCategory(policy, key, now(context), context.customer?.plans ?? []);
  const seriousDamageRule =
    policy.plans.find((p) => p.kind === "warranty")?.warranty?.seriousDamageReturn ?? null;

  const inputText = (context: ConversationContext) => context.input.text.trim();
  const answer = (context: ConversationContext): string | undefined =>
    context.input.choice && context.choices.includes(context.input.choice)
      ? context.input.choice
      : matchChoice(context.input.text, context.choices);
  const media = (context: ConversationContext) =>
    context.input.attachments.filter((a) => MEDIA_KINDS.has(a.kind));
  const hasVoice = (context: ConversationContext) =>
    context.input.attachments.some((a) => a.kind === "voice");
  /** The voice note of a draft that has no written description yet. */
  const draftVoice = (context: ConversationContext) =>
    context.draft && context.draft.description === ""
      ? context.draft.attachments.findLast((a) => a.kind === "voice")
      : undefined;
  const onlyUnsupported = (context: ConversationContext) =>
    inputText(context) === "" &&
    context.input.attachments.length > 0 &&
    context.input.attachments.every((a) => !MEDIA_KINDS.has(a.kind) && a.kind !== "voice");
  /** Text that can be a problem description: not a greeting, a command or a bare "1"/"ok". */
  const isSubstantive = (context: ConversationContext) => {
    const text = inputText(context);
    return text.length >= 8 && /\p{L}{3}/u.test(text) && !isGreetingOnly(text) && !isMenuCommand(text);
  };
  const now = (context: ConversationContext) => new Date(context.now);

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

  /** Whose hours apply: the customer's plans, the draft's category and blocking state. */
  const audienceOf = (context: ConversationContext, draft: Draft | null): Audience => ({
    plans: context.customer?.plans ?? [],
    category: draft?.category ?? null,
    blocking: draft?.blocking === true || blockingCategories.has(draft?.category ?? ""),
  });

  const shouldPage = (context: ConversationContext, draft: Draft) =>
    serviceRouting(policy, now(context), audienceOf(context, draft)).kind === "page-on-call";

  const toTicketDraft = (context: ConversationContext): TicketDraft => {
    const draft = context.draft ?? emptyDraft();
    const page = shouldPage(context, draft);
    return {
      description: draft.description.slice(0, MAX_DESCRIPTION_CHARS),
      attachments: draft.attachments,
      category: draft.category,
      summary: draft.summary,
      item: draft.item,
      purchasedOn: draft.purchasedOn,
      blocking: draft.blocking === true,
      priority: page ? "urgent" : draft.blocking ? "high" : "normal",
      salesRep: draft.salesRep,
      coverage: {
        ...(draft.coverage ?? {}),
        consent: draft.consent,
        ...(draft.seriousDamage !== null ? { seriousDamage: draft.seriousDamage } : {}),
      },
      consent: draft.consent,
      pageOnCall: page,
      status: policy.intake.requireSalesRepAuthorization ? "awaiting-authorization" : "open",
      language: context.language,
    };
  };

  /**
   * Availability lines after a ticket opens, or when the customer asks for hours: only the
   * service levels that serve this customer (and request) count for "open now" and "next opening".
   */
  /** The customer's "request opened" line (chat and e-mail intake alike). */
  const ticketOpenedLine = (event: { number: string; status: string }) => ({
    key:
      event.status === "awaiting-authorization"
        ? "intake.ticketAwaitingAuthorization"
        : "intake.ticketOpened",
    params: { number: event.number, hours: policy.sla.callbackWithinHours ?? null },
  });

  const availabilityReplies = (context: ConversationContext, draft: Draft | null, opened: boolean) => {
    const at = now(context);
    const audience = audienceOf(context, draft);
    const a = availability(policy, at, audience);
    const instant = (d: Date | null) => (d ? { $instant: d.toISOString() } : null);
    const replies: { key: string; params?: Params }[] = [];
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
          nextOpenAt: instant(a.nextOpenAt),
        },
      });
    } else if (a.open) {
      const awaiting = policy.intake.requireSalesRepAuthorization;
      replies.push({
        key: opened && !awaiting ? "availability.openNowTicket" : "availability.openNow",
        params: { closesAt: a.closesAt ? { $time: a.closesAt.toISOString() } : null },
      });
    } else {
      const callback =
        opened && !policy.intake.requireSalesRepAuthorization && !policy.sla.callbackWithinHours;
      replies.push({
        key: `availability.${callback ? "closedCallback" : "closed"}.${a.reason ?? "evening"}`,
        params: { holiday: a.holiday ? { $holiday: a.holiday } : null, nextOpenAt: instant(a.nextOpenAt) },
      });
    }
    if (opened && policy.sla.callbackWithinHours && !policy.intake.requireSalesRepAuthorization) {
      replies.push({ key: "availability.callbackWithin", params: { hours: policy.sla.callbackWithinHours } });
    }
    return replies;
  };

  /** The close message: the charge whenever there is one, "covered" or "no charge" otherwise. */
  const closeReply = (event: Extract<ConversationEvent, { type: "ticket.closed" }>) => {
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
  };

  const menuPrompt = (): Prompt => ({
    key: "menu.prompt",
    choices: [
      { id: "new", key: "menu.new" },
      { id: "status", key: "menu.status" },
      { id: "info", key: "menu.info" },
      { id: "hours", key: "menu.hours" },
    ],
  });

  const categoryPrompt = (context: ConversationContext): Prompt => ({
    key: "intake.pickCategory",
    choices: policy.categories
      .filter((c) => offerable(context, c.key))
      .map((c) => ({ id: c.key, params: {}, key: `category:${c.key}` })),
  });

  /** Asks a question: remembers it (for re-prompts and numbered answers) and sends it. */
  const askAction = (build: (context: ConversationContext) => Prompt) => [
    {
      type: "rememberPrompt" as const,
      params: ({ context }: { context: ConversationContext }) => build(context),
    },
    { type: "reply" as const, params: ({ context }: { context: ConversationContext }) => build(context) },
  ];

  const say = (key: string, params?: (context: ConversationContext) => Params) => ({
    type: "reply" as const,
    params: ({ context }: { context: ConversationContext }) => ({
      key,
      params: params ? params(context) : undefined,
    }),
  });

  /** Stores a short free-text answer (an item name, a sales representative) on the draft. */
  const keepAnswerAs = (field: "item" | "salesRep") => ({ type: "keepAnswer" as const, params: { field } });

  /**
   * A message that starts a new problem where none is in progress (idle, menu): a problem
   * written directly skips the menu; a voice note is transcribed (it stays on the ticket, next to
   * its text) or, without AI, the customer is asked to write.
   */
  const newProblem = [
    { guard: "voiceWithAi" as const, target: "voice", actions: "startDraft" as const },
    { guard: "voiceWithoutAi" as const, actions: say("intake.voiceNotSupported") },
    { guard: "substantive" as const, target: "triaging", actions: "startDraft" as const },
  ];

  /** "Sorry, I didn't understand" followed by the last question again. */
  const reprompt = [
    say("common.notUnderstood"),
    {
      type: "reply" as const,
      params: ({ context }: { context: ConversationContext }) => context.prompt ?? menuPrompt(),
    },
  ];

  const appendInputToDraft = "appendInputToDraft" as const;

  const welcomeUnknown = {
    type: "reply" as const,
    params: ({ context }: { context: ConversationContext }) => ({
      key: context.senderPhone ? "intake.welcomeUnknownPhone" : "intake.welcomeUnknown",
      params: { company: policy.company },
    }),
  };

  /**
   * Sign-up questions want a written answer: a file is kept for the ticket and the question asked
   * again; a voice note or a sticker gets "please write" with the message types that are read.
   */
  const writtenAnswerGuards = [
    {
      guard: ({ context }: { context: ConversationContext }) => media(context).length > 0,
      actions: [
        "keepMediaOnDraft" as const,
        say("intake.attachmentKeptAnswerFirst"),
        {
          type: "reply" as const,
          params: ({ context }: { context: ConversationContext }) => context.prompt ?? menuPrompt(),
        },
      ],
    },
    {
      guard: ({ context }: { context: ConversationContext }) =>
        inputText(context) === "" && context.input.attachments.length > 0,
      actions: [
        say("intake.writtenAnswerOnly"),
        {
          type: "reply" as const,
          params: ({ context }: { context: ConversationContext }) => context.prompt ?? menuPrompt(),
        },
      ],
    },
  ];

  /** The draft with the current message's text and files added. */
  const withInput = (draft: Draft, context: ConversationContext): Draft => {
    const text = inputText(context);
    return {
      ...draft,
      description: text ? (draft.description ? `${draft.description}\n${text}` : text) : draft.description,
      attachments: [
        ...draft.attachments,
        ...context.input.attachments.filter((a) => a.kind !== "sticker" && a.kind !== "location"),
      ],
    };
  };

  const offeredCategories = (context: ConversationContext) =>
    policy.categories.filter((c) => offerable(context, c.key)).map((c) => c.key);

  /** The numbered questions of a one-reply intake, as replies (the channel sends them as one message). */
  const mailQuestionReplies = (
    context: ConversationContext,
    asked: MailQuestion[],
    intro: boolean,
  ): { key: string; params?: Params; choices?: ChoiceIntent[] }[] => {
    if (asked.length === 0) return [];
    const replies: { key: string; params?: Params; choices?: ChoiceIntent[] }[] = [
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
            choices: offeredCategories(context).map((key) => ({ id: key, key: `category:${key}` })),
          });
          break;
        case "blocking":
          replies.push({ key: "mail.askBlocking", params: { n } });
          break;
        case "consent": {
          const quote = rateQuote(policy);
          replies.push({
            key: quote.freeMinutes > 0 ? "mail.askConsentWithFree" : "mail.askConsent",
            params: {
              n,
              hourly: { $money: quote.hourlyCents },
              vat: quote.vatPercent,
              minimum: quote.minimumMinutes,
              increment: quote.incrementMinutes,
              free: quote.freeMinutes,
            },
          });
          break;
        }
        case "salesRep":
          replies.push({ key: "mail.askSalesRep", params: { n } });
          break;
      }
    });
    return replies;
  };

  const mailParse = (context: ConversationContext) =>
    parseMailAnswers(inputText(context), context.draft?.asked ?? [], policy, offeredCategories(context));

  return setup({
    types: {
      context: {} as ConversationContext,
      events: {} as ConversationEvent,
      input: {} as { language: Language; now: string },
    },
    actors: conversationActors,
    actions: {
      appendInputToDraft: assign({
        draft: ({ context }) => withInput(context.draft ?? emptyDraft(), context),
      }),
      /** Files sent while a written answer is expected are kept for the ticket. */
      keepMediaOnDraft: assign({
        draft: ({ context }) => ({
          ...(context.draft ?? emptyDraft()),
          attachments: [...(context.draft?.attachments ?? []), ...media(context)],
        }),
      }),
      /** The triage's suggestion (category offerable now, blocking, summary) kept on the draft. */
      keepTriage: assign(({ context, event }) => {
        const output = (event as Extract<ConversationEvent, { type: "xstate.done.actor.triage" }>).output;
        return {
          draft: {
            ...(context.draft ?? emptyDraft()),
            suggested:
              output.category && categoryKeys.includes(output.category) && offerable(context, output.category)
                ? output.category
                : null,
            suggestedBlocking: output.blocking ?? null,
            summary: output.summary ?? null,
          },
        };
      }),
      /** A new problem starts from this message (text, media, voice). */
      startDraft: assign({ draft: ({ context }) => withInput(emptyDraft(), context) }),
      keepFirstMessage: assign({
        draft: ({ context }) =>
          context.draft
            ? {
                ...context.draft,
                description: isSubstantive(context) ? inputText(context) : "",
                // A voice note is kept too: it is transcribed once the customer is identified.
                attachments: context.input.attachments.filter(
                  (a) => MEDIA_KINDS.has(a.kind) || a.kind === "voice",
                ),
              }
            : null,
      }),
      keepAnswer: assign(({ context }, { field }: { field: "item" | "salesRep" }) => ({
        draft: { ...context.draft!, [field]: inputText(context).slice(0, 200) },
      })),
      rememberPrompt: assign((_, prompt: Prompt) => ({
        prompt,
        choices: (prompt.choices ?? []).map((c) => c.id),
      })),
      refreshFromInbound: assign(({ event, context }) => {
        const e = event as InboundEvent;
        return {
          now: e.at,
          lastInboundAt: e.at,
          customer: e.facts.customer,
          openTickets: e.facts.openTickets,
          aiEnabled: e.facts.aiEnabled,
          oneReply: e.facts.oneReply ?? false,
          senderPhone: e.facts.senderPhone ?? null,
          // The customer record decides; otherwise the language detected on the first message sticks.
          language:
            e.facts.customer?.language ?? (context.lastInboundAt ? context.language : e.facts.language),
          input: {
            text: e.text,
            choice: e.choice ?? null,
            attachments: e.attachments.filter((a) => !a.error),
          },
        };
      }),
      // Intents: executed by the runtime from the action objects `transition()` returns.
      reply: (_, _params: { key: string; params?: Params; choices?: ChoiceIntent[] }) => {},
      registerCustomer: (_, _params: { company: string; contactName: string; language: Language }) => {},
      setLanguage: (_, _params: { language: Language }) => {},
      triage: (_, _params: { text: string }) => {},
      transcribe: (_, _params: { attachment: AttachmentMeta }) => {},
      openTicket: (_, _params: { draft: TicketDraft }) => {},
      appendToTicket: (_, _params: { number: string; text: string; attachments: AttachmentMeta[] }) => {},
      recordConsent: (_, _params: { accepted: boolean; quote: Record<string, unknown> }) => {},
      recordFeedback: (_, _params: { number: string; rating: number; comment: string | null }) => {},
      completeTicket: (_, _params: { number: string; answers: MailAnswers }) => {},
    },
    guards: {
      isMenu: ({ event }) => event.type === "inbound" && isMenuCommand(event.text),
      isCancel: ({ event }) => event.type === "inbound" && isCancelCommand(event.text),
      idleExpired: ({ context, event }) => {
        // A chat that follows an open ticket stays with it however long the pause.
        if (event.type !== "inbound" || !context.lastInboundAt || context.ticket !== null) return false;
        const idleMs = new Date(event.at).getTime() - new Date(context.lastInboundAt).getTime();
        return idleMs > policy.conversation.idleResetMinutes * 60_000;
      },
      unknownCustomer: ({ context }) => context.customer === null && context.identity.company === null,
      substantive: ({ context }) => isSubstantive(context),
      voiceWithAi: ({ context }) => hasVoice(context) && inputText(context) === "" && context.aiEnabled,
      voiceWithoutAi: ({ context }) => hasVoice(context) && inputText(context) === "" && !context.aiEnabled,
      unsupportedOnly: ({ context }) => onlyUnsupported(context),
      empty: ({ context }) => inputText(context) === "" && context.input.attachments.length === 0,
      mediaOnly: ({ context }) => inputText(context) === "" && media(context).length > 0,
      followsTicket: ({ context }) => context.ticket !== null,
      mailProblem: ({ context }) =>
        context.oneReply === true && (isSubstantive(context) || media(context).length > 0),
      feedbackEnabled: () => policy.feedback.enabled,
    },
  }).createMachine({
    id: "conversation",
    context: ({ input }) => ({
      language: input.language,
      customer: null,
      openTickets: [],
      aiEnabled: false,
      senderPhone: null,
      identity: { company: null },
      draft: null,
      ticket: null,
      technician: null,
      feedback: null,
      prompt: null,
      choices: [],
      now: input.now,
      lastInboundAt: null,
      input: { text: "", choice: null, attachments: [] },
    }),
    initial: "idle",
    on: {
      inbound: [
        {
          guard: "idleExpired",
          target: ".idle",
          actions: [
            "refreshFromInbound",
            assign({ draft: null, prompt: null, choices: [], feedback: null }),
            raise({ type: "input" }),
          ],
        },
        {
          guard: "isCancel",
          target: ".idle",
          actions: [
            "refreshFromInbound",
            assign({ draft: null, prompt: null, choices: [], feedback: null }),
            say("common.cancelled"),
          ],
        },
        {
          guard: "isMenu",
          target: ".menu",
          actions: ["refreshFromInbound", assign({ draft: null, feedback: null })],
        },
        {
          actions: [
            "refreshFromInbound",
            // Files that could not be downloaded are explained, then the rest of the message goes on.
            enqueueActions(({ event, enqueue }) => {
              if (event.type !== "inbound") return;
              for (const error of new Set(event.attachments.flatMap((a) => (a.error ? [a.error] : [])))) {
                enqueue({
                  type: "reply",
                  params: { key: error === "too-large" ? "common.mediaTooLarge" : "common.mediaUnavailable" },
                });
              }
            }),
            enqueueActions(({ event, enqueue }) => {
              const onlyFailedFiles =
                event.type === "inbound" &&
                event.text.trim() === "" &&
                event.attachments.length > 0 &&
                event.attachments.every((a) => a.error);
              if (!onlyFailedFiles) enqueue.raise({ type: "input" });
            }),
          ],
        },
      ],
      "ticket.claimed": {
        target: ".relay",
        actions: [
          assign({
            ticket: ({ event }) => event.number,
            technician: ({ event }) => event.technician,
            now: ({ event }) => event.at,
          }),
          say("relay.claimed", (c) => ({ number: c.ticket, technician: c.technician })),
        ],
      },
      "ticket.authorized": {
        actions: [
          assign({ now: ({ event }) => event.at }),
          say("intake.authorized", () => ({})),
          {
            type: "reply",
            params: ({ event }) => ({
              key: "intake.authorizedNumber",
              params: { number: event.number, hours: policy.sla.callbackWithinHours ?? null },
            }),
          },
        ],
      },
      // The ticket machine tells the customer; the chat stops following the ticket.
      "ticket.declined": {
        target: ".idle",
        actions: assign({ ticket: null, technician: null, draft: null, prompt: null, choices: [] }),
      },
      "ticket.reopened": {
        target: ".relay",
        actions: [
          assign({ ticket: ({ event }) => event.number, now: ({ event }) => event.at }),
          say("relay.reopened", (c) => ({ number: c.ticket })),
        ],
      },
      "ticket.closed": [
        {
          guard: "feedbackEnabled",
          target: ".feedback",
          actions: [
            assign({
              now: ({ event }) => event.at,
              ticket: null,
              technician: null,
              draft: null,
              feedback: ({ event }) => ({ ticket: event.number, rating: null }),
            }),
            { type: "reply", params: ({ event }) => closeReply(event) },
          ],
        },
        {
          target: ".idle",
          actions: [
            assign({ ticket: null, technician: null, now: ({ event }) => event.at }),
            { type: "reply", params: ({ event }) => closeReply(event) },
          ],
        },
      ],
    },
    states: {
      idle: {
        on: {
          input: [
            { guard: "unsupportedOnly", actions: say("common.unsupportedMedia") },
            { guard: "empty", target: "menu" },
            {
              guard: "unknownCustomer",
              target: "identify",
              actions: [
                assign({
                  draft: ({ context }) =>
                    isSubstantive(context) || media(context).length > 0 || hasVoice(context)
                      ? { ...emptyDraft() }
                      : null,
                }),
                "keepFirstMessage",
                welcomeUnknown,
              ],
            },
            { guard: "mailProblem", target: "mailTriaging", actions: "startDraft" },
            ...newProblem,
            {
              guard: "mediaOnly",
              target: "describe",
              actions: "startDraft",
            },
            {
              target: "menu",
              actions: say("intake.welcome", (c) => ({
                company: policy.company,
                name: c.customer?.contactName ?? c.customer?.company ?? "",
              })),
            },
          ],
        },
      },
      menu: {
        entry: askAction(() => menuPrompt()),
        on: {
          input: [
            { guard: "unsupportedOnly", actions: say("common.unsupportedMedia") },
            {
              guard: ({ context }) => answer(context) === "new",
              target: "describe",
              actions: assign({ draft: () => emptyDraft() }),
            },
            {
              guard: ({ context }) => answer(context) === "status",
              target: "idle",
              actions: {
                type: "reply",
                params: ({ context }) =>
                  context.openTickets.length === 0
                    ? { key: "menu.noTickets" }
                    : {
                        key: "menu.ticketList",
                        params: {
                          tickets: {
                            $tickets: context.openTickets.map((t) => ({
                              number: t.number,
                              status: t.status,
                            })),
                          },
                        },
                      },
              },
            },
            {
              guard: ({ context }) => answer(context) === "info" && context.openTickets.length > 0,
              target: "addInfo",
            },
            {
              guard: ({ context }) => answer(context) === "info",
              target: "idle",
              actions: say("menu.noTickets"),
            },
            {
              guard: ({ context }) => answer(context) === "hours",
              target: "idle",
              actions: [
                say("menu.hoursIntro", (c) => ({
                  company: policy.company,
                  hours: { $hours: c.customer?.plans ?? [] },
                })),
                enqueueActions(({ context, enqueue }) => {
                  for (const params of availabilityReplies(context, null, false))
                    enqueue({ type: "reply", params });
                }),
                say("menu.contacts", () => ({ contacts: { $contacts: "all" } })),
              ],
            },
            {
              guard: "unknownCustomer",
              target: "identify",
              actions: [assign({ draft: () => emptyDraft() }), appendInputToDraft, welcomeUnknown],
            },
            ...newProblem,
            { actions: reprompt },
          ],
        },
      },
      identify: {
        initial: "choose",
        states: {
          // A one-reply channel (e-mail) asks both sign-up questions in one message.
          choose: {
            always: [
              { guard: ({ context }) => context.oneReply === true, target: "both" },
              { target: "company" },
            ],
          },
          both: {
            entry: askAction(() => ({ key: "intake.askCompanyAndContact" })),
            on: {
              input: [
                ...writtenAnswerGuards,
                {
                  guard: ({ context }) =>
                    identityAnswers(inputText(context), context.senderPhone !== null) !== null,
                  target: "#conversation.afterIdentify",
                  actions: {
                    type: "registerCustomer",
                    params: ({ context }) => ({
                      ...identityAnswers(inputText(context), context.senderPhone !== null)!,
                      language: context.language,
                    }),
                  },
                },
                {
                  // Only the company was understood: the contact is asked on its own.
                  guard: ({ context }) => validCompany(answerLines(inputText(context))[0] ?? ""),
                  target: "contact",
                  actions: assign({
                    identity: ({ context }) => ({
                      company: answerLines(inputText(context))[0]!.slice(0, 200),
                    }),
                  }),
                },
                { actions: reprompt },
              ],
            },
          },
          company: {
            entry: askAction(() => ({ key: "intake.askCompany" })),
            on: {
              input: [
                ...writtenAnswerGuards,
                {
                  guard: ({ context }) => !/\p{L}/u.test(inputText(context)) || inputText(context).length < 2,
                  actions: reprompt,
                },
                {
                  target: "contact",
                  actions: assign({
                    identity: ({ context }) => ({ company: inputText(context).slice(0, 200) }),
                  }),
                },
              ],
            },
          },
          contact: {
            entry: askAction((c) => ({ key: c.senderPhone ? "intake.askContactName" : "intake.askContact" })),
            on: {
              input: [
                ...writtenAnswerGuards,
                {
                  guard: ({ context }) => !looksLikeName(inputText(context)),
                  actions: [say("intake.contactNotAName")],
                },
                {
                  guard: ({ context }) => context.senderPhone === null && !hasReach(inputText(context)),
                  actions: say("intake.contactNeedsReach"),
                },
                {
                  target: "#conversation.afterIdentify",
                  actions: {
                    type: "registerCustomer",
                    params: ({ context }) => ({
                      company: context.identity.company ?? "",
                      contactName: inputText(context).slice(0, 200),
                      language: context.language,
                    }),
                  },
                },
              ],
            },
          },
        },
      },
      afterIdentify: {
        always: [
          {
            guard: ({ context }) => context.oneReply === true && (context.draft?.description ?? "") !== "",
            target: "mailTriaging",
            actions: say("intake.thanksIdentified"),
          },
          {
            guard: ({ context }) => (context.draft?.description ?? "") !== "",
            target: "triaging",
            actions: say("intake.thanksIdentified"),
          },
          {
            guard: ({ context }) => context.aiEnabled && draftVoice(context) !== undefined,
            target: "voice",
            actions: say("intake.thanksIdentified"),
          },
          {
            target: "describe",
            actions: [
              // Files sent during sign-up stay for the ticket.
              assign({
                draft: ({ context }) => ({ ...emptyDraft(), attachments: context.draft?.attachments ?? [] }),
              }),
              say("intake.thanksIdentified"),
            ],
          },
        ],
      },
      describe: {
        entry: askAction(() => ({ key: "intake.askDescription" })),
        on: {
          input: [
            { guard: "unsupportedOnly", actions: say("common.unsupportedMedia") },
            // The voice note itself stays on the ticket, next to the text it is transcribed to.
            { guard: "voiceWithAi", target: "voice", actions: appendInputToDraft },
            { guard: "voiceWithoutAi", actions: say("intake.voiceNotSupported") },
            { guard: "mediaOnly", actions: [appendInputToDraft, say("intake.attachmentReceived")] },
            { guard: ({ context }) => inputText(context).length < 3, actions: reprompt },
            { target: "triaging", actions: appendInputToDraft },
          ],
        },
      },
      voice: {
        invoke: {
          id: "transcribe",
          src: "transcribe",
          input: ({ context }) => ({
            // The note just received, or the one kept while the customer was identified.
            attachment: (context.input.attachments.find((a) => a.kind === "voice") ?? draftVoice(context))!,
          }),
          onDone: [
            {
              guard: ({ event }) => Boolean(event.output?.text.trim()),
              target: "voiceConfirm",
              actions: assign({
                draft: ({ context, event }) => ({
                  ...(context.draft ?? emptyDraft()),
                  pendingVoice: event.output!.text,
                }),
              }),
            },
            { target: "describe", actions: say("intake.voiceNotUnderstood") },
          ],
          onError: { target: "describe", actions: say("intake.voiceNotUnderstood") },
        },
        on: {
          input: { actions: [appendInputToDraft] },
        },
      },
      voiceConfirm: {
        entry: askAction((c) => ({
          key: "intake.voiceConfirm",
          params: { text: c.draft?.pendingVoice ?? "" },
          choices: [
            { id: "yes", key: "common.yes" },
            { id: "write", key: "intake.voiceWrite" },
          ],
        })),
        on: {
          input: [
            {
              guard: ({ context }) => answer(context) === "yes",
              target: "triaging",
              actions: assign({
                draft: ({ context }) => {
                  const draft = context.draft ?? emptyDraft();
                  const text = draft.pendingVoice ?? "";
                  return {
                    ...draft,
                    pendingVoice: null,
                    description: draft.description ? `${draft.description}\n${text}` : text,
                  };
                },
              }),
            },
            { guard: ({ context }) => answer(context) === "write", target: "describe" },
            // A new voice note is the customer saying it again: it is transcribed in turn.
            {
              guard: "voiceWithAi",
              target: "voice",
              actions: [
                assign({ draft: ({ context }) => ({ ...context.draft!, pendingVoice: null }) }),
                appendInputToDraft,
              ],
            },
            // A written correction replaces what was understood.
            { guard: "substantive", target: "triaging", actions: appendInputToDraft },
            { actions: reprompt },
          ],
        },
      },
      triaging: {
        invoke: {
          id: "triage",
          src: "triage",
          input: ({ context }) => ({ text: context.draft?.description ?? "" }),
          onDone: {
            target: "categorySuggested",
            actions: "keepTriage",
          },
          // No suggestion: the customer picks the category.
          onError: { target: "categorySuggested" },
        },
        on: {
          input: { actions: [appendInputToDraft] },
        },
      },
      categorySuggested: {
        always: [
          {
            guard: ({ context }) => !context.draft?.suggested || context.draft.suggested === "other",
            target: "categoryPick",
          },
          { target: "categoryConfirm" },
        ],
      },
      categoryConfirm: {
        entry: askAction((c) => ({
          key: "intake.confirmCategory",
          params: { category: { $category: c.draft?.suggested ?? "other" } },
          choices: [
            { id: "yes", key: "common.yes" },
            { id: "other", key: "intake.otherCategory" },
          ],
        })),
        on: {
          input: [
            {
              guard: ({ context }) => answer(context) === "yes",
              target: "route",
              actions: assign({
                draft: ({ context }) => ({ ...context.draft!, category: context.draft!.suggested }),
              }),
            },
            { guard: ({ context }) => answer(context) === "other", target: "categoryPick" },
            { guard: "mediaOnly", actions: [appendInputToDraft, say("intake.attachmentReceived")] },
            { actions: reprompt },
          ],
        },
      },
      categoryPick: {
        entry: askAction((c) => categoryPrompt(c)),
        on: {
          input: [
            {
              guard: ({ context }) => {
                const choice = answer(context);
                return choice !== undefined && categoryKeys.includes(choice) && offerable(context, choice);
              },
              target: "route",
              actions: assign({
                draft: ({ context }) => ({ ...context.draft!, category: answer(context)! }),
              }),
            },
            { guard: "mediaOnly", actions: [appendInputToDraft, say("intake.attachmentReceived")] },
            { actions: reprompt },
          ],
        },
      },
      /** Decides the next missing fact; each step below returns here. */
      route: {
        always: [
          {
            guard: ({ context }) =>
              hardwareCategories.has(context.draft?.category ?? "") && !context.draft?.itemAsked,
            target: "hardwareItem",
          },
          {
            guard: ({ context }) =>
              seriousDamageRule !== null &&
              hardwareCategories.has(context.draft?.category ?? "") &&
              context.draft?.seriousDamage === null,
            target: "seriousDamage",
          },
          {
            guard: ({ context }) =>
              blockingCategories.has(context.draft?.category ?? "") && context.draft?.blocking === null,
            target: "route",
            reenter: true,
            actions: assign({
              draft: ({ context }) => ({ ...context.draft!, blocking: true, coverage: null }),
            }),
          },
          {
            guard: ({ context }) => policy.intake.askBlocking && context.draft?.blocking === null,
            target: "blocking",
          },
          {
            guard: ({ context }) => context.draft?.coverage === null,
            target: "route",
            reenter: true,
            actions: assign({
              draft: ({ context }) => ({ ...context.draft!, coverage: coverageOf(context, context.draft!) }),
            }),
          },
          {
            guard: ({ context }) =>
              context.draft?.coverage?.covered === false && context.draft.consent === null,
            target: "consent",
          },
          { guard: () => policy.intake.requireSalesRepAuthorization, target: "salesRep" },
          { target: "opening" },
        ],
      },
      hardwareItem: {
        entry: askAction((c) => {
          const purchases = c.customer?.purchases ?? [];
          return purchases.length > 0
            ? {
                key: "intake.pickItem",
                choices: [
                  ...purchases.map((p, i) => ({ id: `item:${i}`, text: `${p.item} (${p.purchasedOn})` })),
                  { id: "item:other", key: "intake.itemOther" },
                ],
              }
            : { key: "intake.askItem" };
        }),
        on: {
          input: [
            {
              guard: ({ context }) =>
                (answer(context) ?? "").startsWith("item:") && answer(context) !== "item:other",
              target: "route",
              actions: assign({
                draft: ({ context }) => {
                  const purchase = context.customer?.purchases[Number(answer(context)!.slice(5))];
                  return {
                    ...context.draft!,
                    item: purchase?.item ?? null,
                    purchasedOn: purchase?.purchasedOn ?? null,
                    itemAsked: true,
                    coverage: null,
                  };
                },
              }),
            },
            { guard: ({ context }) => answer(context) === "item:other", target: "hardwareItemName" },
            {
              guard: ({ context }) => inputText(context).length >= 2 && context.choices.length === 0,
              target: "hardwareDate",
              actions: keepAnswerAs("item"),
            },
            { actions: reprompt },
          ],
        },
      },
      hardwareItemName: {
        entry: askAction(() => ({ key: "intake.askItem" })),
        on: {
          input: [
            {
              guard: ({ context }) => inputText(context).length >= 2,
              target: "hardwareDate",
              actions: keepAnswerAs("item"),
            },
            { actions: reprompt },
          ],
        },
      },
      hardwareDate: {
        entry: askAction(() => ({
          key: "intake.askPurchaseDate",
          choices: [{ id: "skip", key: "intake.dateUnknown" }],
        })),
        on: {
          input: [
            {
              guard: ({ context }) => answer(context) === "skip",
              target: "route",
              actions: assign({
                draft: ({ context }) => ({ ...context.draft!, itemAsked: true, coverage: null }),
              }),
            },
            {
              guard: ({ context }) => parseCustomerDate(inputText(context), policy.timezone) !== null,
              target: "route",
              actions: assign({
                draft: ({ context }) => ({
                  ...context.draft!,
                  purchasedOn: parseCustomerDate(inputText(context), policy.timezone),
                  itemAsked: true,
                  coverage: null,
                }),
              }),
            },
            { actions: reprompt },
          ],
        },
      },
      seriousDamage: {
        entry: askAction(() => ({
          key: "intake.askSeriousDamage",
          choices: [
            { id: "damaged", key: "intake.seriouslyDamaged" },
            { id: "not-damaged", key: "intake.notDamaged" },
          ],
        })),
        on: {
          input: [
            {
              guard: ({ context }) => answer(context) === "damaged",
              target: "route",
              actions: [
                assign({ draft: ({ context }) => ({ ...context.draft!, seriousDamage: true }) }),
                say("intake.seriousDamageReturn", () => ({ place: seriousDamageRule?.place ?? "" })),
              ],
            },
            {
              guard: ({ context }) => answer(context) === "not-damaged",
              target: "route",
              actions: assign({ draft: ({ context }) => ({ ...context.draft!, seriousDamage: false }) }),
            },
            { guard: "mediaOnly", actions: [appendInputToDraft, say("intake.attachmentReceived")] },
            { actions: reprompt },
          ],
        },
      },
      blocking: {
        entry: askAction(() => ({
          key: "intake.askBlocking",
          choices: [
            { id: "can-work", key: "intake.canWork" },
            { id: "blocked", key: "intake.blocked" },
          ],
        })),
        on: {
          input: [
            {
              guard: ({ context }) => answer(context) === "can-work",
              target: "route",
              actions: assign({
                draft: ({ context }) => ({ ...context.draft!, blocking: false, coverage: null }),
              }),
            },
            {
              guard: ({ context }) => answer(context) === "blocked",
              target: "route",
              actions: assign({
                draft: ({ context }) => ({ ...context.draft!, blocking: true, coverage: null }),
              }),
            },
            { guard: "mediaOnly", actions: [appendInputToDraft, say("intake.attachmentReceived")] },
            { actions: reprompt },
          ],
        },
      },
      consent: {
        entry: askAction(() => {
          const quote = rateQuote(policy);
          return {
            key: quote.freeMinutes > 0 ? "intake.quoteWithFree" : "intake.quote",
            params: {
              hourly: { $money: quote.hourlyCents },
              vat: quote.vatPercent,
              minimum: quote.minimumMinutes,
              increment: quote.incrementMinutes,
              free: quote.freeMinutes,
            },
            choices: [
              { id: "accept", key: "intake.accept" },
              { id: "decline", key: "intake.decline" },
            ],
          };
        }),
        on: {
          input: [
            {
              guard: ({ context }) => answer(context) === "accept",
              target: "route",
              actions: [
                assign({ draft: ({ context }) => ({ ...context.draft!, consent: true }) }),
                {
                  type: "recordConsent",
                  params: () => ({ accepted: true, quote: { ...rateQuote(policy) } }),
                },
              ],
            },
            {
              guard: ({ context }) => answer(context) === "decline",
              target: "idle",
              actions: [
                {
                  type: "recordConsent",
                  params: () => ({ accepted: false, quote: { ...rateQuote(policy) } }),
                },
                assign({ draft: null }),
                say("intake.declined", () => ({ contacts: { $contacts: "all" } })),
              ],
            },
            { actions: reprompt },
          ],
        },
      },
      salesRep: {
        entry: askAction(() => ({ key: "intake.askSalesRep" })),
        on: {
          input: [
            {
              guard: ({ context }) => inputText(context).length >= 2,
              target: "opening",
              actions: keepAnswerAs("salesRep"),
            },
            { actions: reprompt },
          ],
        },
      },
      opening: {
        entry: [
          ...(policy.intake.backupReminder ? [say("intake.backupReminder")] : []),
          { type: "openTicket", params: ({ context }) => ({ draft: toTicketDraft(context) }) },
        ],
        on: {
          "ticket.opened": {
            target: "waiting",
            actions: [
              assign({ ticket: ({ event }) => event.number, now: ({ event }) => event.at }),
              { type: "reply", params: ({ event }) => ticketOpenedLine(event) },
              enqueueActions(({ context, enqueue }) => {
                for (const params of availabilityReplies(context, context.draft, true))
                  enqueue({ type: "reply", params });
              }),
              assign({ draft: null, prompt: null, choices: [] }),
            ],
          },
          input: { actions: [appendInputToDraft] },
        },
      },
      /** One-reply intake (e-mail): the first message is classified, then the ticket opens at once. */
      mailTriaging: {
        invoke: {
          id: "triage",
          src: "triage",
          input: ({ context }) => ({ text: context.draft?.description ?? "" }),
          onDone: {
            target: "mailOpening",
            actions: "keepTriage",
          },
          onError: { target: "mailOpening" },
        },
        on: { input: { actions: [appendInputToDraft] } },
      },
      mailOpening: {
        entry: [
          assign({
            draft: ({ context }) => {
              const draft = context.draft ?? emptyDraft();
              const category = draft.suggested ?? "other";
              const blocking = blockingCategories.has(category) ? true : (draft.suggestedBlocking ?? false);
              const salesRep = draft.salesRep ?? context.customer?.salesRep ?? null;
              const next = { ...draft, category, blocking, salesRep, coverage: null };
              const coverage = coverageOf(context, next);
              return {
                ...next,
                coverage,
                asked: mailQuestions(policy, {
                  category,
                  categoryIsBlocking: blockingCategories.has(category),
                  covered: coverage.covered,
                  consent: draft.consent,
                  salesRep,
                }),
              };
            },
          }),
          ...(policy.intake.backupReminder ? [say("intake.backupReminder")] : []),
          { type: "openTicket", params: ({ context }) => ({ draft: toTicketDraft(context) }) },
        ],
        on: {
          "ticket.opened": {
            target: "mailAnswer",
            actions: [
              assign({ ticket: ({ event }) => event.number, now: ({ event }) => event.at }),
              { type: "reply", params: ({ event }) => ticketOpenedLine(event) },
              enqueueActions(({ context, enqueue }) => {
                for (const params of availabilityReplies(context, context.draft, true))
                  enqueue({ type: "reply", params });
              }),
              enqueueActions(({ context, enqueue }) => {
                for (const params of mailQuestionReplies(context, context.draft?.asked ?? [], true))
                  enqueue({ type: "reply", params });
              }),
              assign({ prompt: null, choices: [] }),
            ],
          },
          input: { actions: [appendInputToDraft] },
        },
      },
      /** One-reply intake: the customer's answer completes the ticket; anything else is added to it. */
      mailAnswer: {
        always: {
          guard: ({ context }) => (context.draft?.asked ?? []).length === 0,
          target: "waiting",
          actions: assign({ draft: null }),
        },
        on: {
          input: [
            { guard: "empty" },
            {
              guard: ({ context }) => mailParse(context).answered.length > 0,
              target: "mailAnswer",
              reenter: true,
              actions: [
                enqueueActions(({ context, enqueue }) => {
                  const { answers, answered } = mailParse(context);
                  enqueue({ type: "completeTicket", params: { number: context.ticket!, answers } });
                  if (answers.consent !== undefined)
                    enqueue({
                      type: "recordConsent",
                      params: { accepted: answers.consent, quote: { ...rateQuote(policy) } },
                    });
                  // The suggested category stands unless the customer corrects it in this answer.
                  const remaining = (context.draft?.asked ?? []).filter(
                    (q) => !answered.includes(q) && q !== "category",
                  );
                  enqueue({
                    type: "reply",
                    params: {
                      key:
                        answers.consent === false
                          ? "mail.consentDeclined"
                          : remaining.length === 0
                            ? "mail.completed"
                            : "mail.partlyCompleted",
                      params: { number: context.ticket! },
                    },
                  });
                  for (const params of mailQuestionReplies(context, remaining, false))
                    enqueue({ type: "reply", params });
                  enqueue.assign({
                    draft: { ...context.draft!, asked: remaining },
                  });
                }),
              ],
            },
            {
              actions: [
                {
                  type: "appendToTicket",
                  params: ({ context }) => ({
                    number: context.ticket!,
                    text: inputText(context),
                    attachments: context.input.attachments,
                  }),
                },
                enqueueActions(({ context, enqueue }) => {
                  enqueue({
                    type: "reply",
                    params: { key: "mail.stillNeeded", params: { number: context.ticket! } },
                  });
                  for (const params of mailQuestionReplies(context, context.draft?.asked ?? [], false))
                    enqueue({ type: "reply", params });
                }),
              ],
            },
          ],
        },
      },
      /** Ticket open, nobody has claimed it yet: messages are added to the ticket. */
      waiting: {
        on: {
          input: [
            { guard: "empty", actions: say("relay.waitingHint", (c) => ({ number: c.ticket })) },
            {
              guard: "followsTicket",
              actions: [
                {
                  type: "appendToTicket",
                  params: ({ context }) => ({
                    number: context.ticket!,
                    text: inputText(context),
                    attachments: context.input.attachments,
                  }),
                },
                say("relay.addedToTicket", (c) => ({ number: c.ticket })),
              ],
            },
            { target: "idle", actions: raise({ type: "input" }) },
          ],
        },
      },
      /** A technician handles the ticket: the bot stays quiet and forwards. */
      relay: {
        on: {
          input: [
            { guard: "empty" },
            {
              guard: "followsTicket",
              actions: {
                type: "appendToTicket",
                params: ({ context }) => ({
                  number: context.ticket!,
                  text: inputText(context),
                  attachments: context.input.attachments,
                }),
              },
            },
            { target: "idle", actions: raise({ type: "input" }) },
          ],
        },
      },
      addInfo: {
        entry: askAction((c) => ({
          key: c.openTickets.length === 1 ? "menu.addInfoOne" : "menu.addInfoPick",
          params: { number: c.openTickets[0]?.number ?? "" },
          choices:
            c.openTickets.length === 1 ? [] : c.openTickets.map((t) => ({ id: t.number, text: t.number })),
        })),
        on: {
          input: [
            {
              guard: ({ context }) => context.openTickets.length > 1 && answer(context) !== undefined,
              target: "waiting",
              actions: [
                assign({ ticket: ({ context }) => answer(context)! }),
                say("menu.addInfoOne", (c) => ({ number: c.ticket })),
              ],
            },
            {
              guard: ({ context }) =>
                context.openTickets.length === 1 &&
                (inputText(context) !== "" || context.input.attachments.length > 0),
              target: "waiting",
              actions: [
                assign({ ticket: ({ context }) => context.openTickets[0]!.number }),
                {
                  type: "appendToTicket",
                  params: ({ context }) => ({
                    number: context.openTickets[0]!.number,
                    text: inputText(context),
                    attachments: context.input.attachments,
                  }),
                },
                say("relay.addedToTicket", (c) => ({ number: c.ticket })),
              ],
            },
            { actions: reprompt },
          ],
        },
      },
      feedback: {
        initial: "rating",
        states: {
          rating: {
            entry: askAction(() => ({
              key: "feedback.askRating",
              choices: ["1", "2", "3", "4", "5"].map((n) => ({ id: n, text: "★".repeat(Number(n)) })),
            })),
            on: {
              input: [
                {
                  guard: ({ context }) => /^[1-5]$/.test(answer(context) ?? ""),
                  target: "comment",
                  actions: assign({
                    feedback: ({ context }) => ({ ...context.feedback!, rating: Number(answer(context)) }),
                  }),
                },
                // Customers who just write something else are not trapped in the survey.
                {
                  guard: "substantive",
                  target: "#conversation.idle",
                  actions: [assign({ feedback: null }), raise({ type: "input" })],
                },
                { actions: reprompt },
              ],
            },
          },
          comment: {
            entry: askAction(() => ({
              key: "feedback.askComment",
              choices: [{ id: "skip", key: "feedback.noComment" }],
            })),
            on: {
              input: {
                target: "#conversation.idle",
                actions: [
                  {
                    type: "recordFeedback",
                    params: ({ context }) => ({
                      number: context.feedback!.ticket,
                      rating: context.feedback!.rating!,
                      comment:
                        answer(context) === "skip" || inputText(context) === ""
                          ? null
                          : inputText(context).slice(0, 2000),
                    }),
                  },
                  assign({ feedback: null, prompt: null, choices: [] }),
                  say("feedback.thanks"),
                ],
              },
            },
          },
        },
      },
    },
  });
}

export type ConversationMachine = ReturnType<typeof createConversationMachine>;

/** Normalised text of a choice label, exported for adapters that match labels. */
export { normalize as normalizeAnswer };
