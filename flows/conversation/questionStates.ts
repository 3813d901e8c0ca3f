/**
 * The facts a ticket still needs once its category is known, asked one at a time: `route`
 * decides the next missing one (the hardware item and its purchase date, serious damage, whether
 * the customer can work, consent to a charge, the sales representative) and each question state
 * returns to it, until the ticket can open.
 */
import { assign } from "xstate";
import { rateQuote } from "../../src/policy/charge.js";
import { looseDate } from "../../src/understanding/dates.js";
import { lastResult } from "../lastResult.js";
import { parseCustomerDate } from "../textMatchers.js";
import { conversationSetup as m } from "./conversationSetup.js";
import type { ConversationContext } from "./conversationTypes.js";
import type { IntakeRules } from "./intakeRules.js";
import { answer, inputText } from "./messageInput.js";
import { quotePrompt } from "./replies.js";
import { ask, keepAnswerAs, mediaKept, reprompt, say, setDraft } from "./steps.js";

const NUMERIC_DATE = /\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{2,4}/;

/** The states `route`, the hardware questions, `seriousDamage`, `blocking`, `consent`, `salesRep`. */
export function questionStates(rules: IntakeRules) {
  const { policy, hardwareCategories, blockingCategories, seriousDamageRule } = rules;
  const isHardware = (context: ConversationContext) => hardwareCategories.has(context.draft?.category ?? "");
  /** The purchase date in the message, read once for the guard and the draft. */
  const purchaseDate = lastResult(
    (context: ConversationContext) =>
      parseCustomerDate(inputText(context), policy.timezone) ??
      // A written date that does not exist ("31/02/2026") is asked again, not guessed from its year.
      (NUMERIC_DATE.test(inputText(context))
        ? null
        : looseDate(inputText(context), policy.timezone, new Date(context.now))),
  );
  const route = m.createStateConfig({
    always: [
      {
        guard: ({ context }) => isHardware(context) && !context.draft?.itemAsked,
        target: "hardwareItem",
      },
      {
        guard: ({ context }) =>
          seriousDamageRule !== null && isHardware(context) && context.draft?.seriousDamage === null,
        target: "seriousDamage",
      },
      {
        guard: ({ context }) =>
          blockingCategories.has(context.draft?.category ?? "") && context.draft?.blocking === null,
        target: "route",
        reenter: true,
        actions: setDraft({ blocking: true, coverage: null }),
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
          draft: ({ context }) => ({
            ...context.draft!,
            coverage: rules.coverageOf(context, context.draft!),
          }),
        }),
      },
      {
        guard: ({ context }) => context.draft?.coverage?.covered === false && context.draft.consent === null,
        target: "consent",
      },
      { guard: () => policy.intake.requireSalesRepAuthorization, target: "salesRep" },
      { target: "opening" },
    ],
  });
  const hardwareItem = m.createStateConfig({
    entry: ask((c) => {
      const purchases = c.customer?.purchases ?? [];
      return purchases.length > 0
        ? {
            key: "intake.pickItem",
            choices: [
              ...purchases.map((p, i) => ({ id: `item:${i}`, text: `${p.item} (${p.purchasedOn})` })),
              { id: "item:other", key: "intake.itemOther" },
            ],
            // "Non so quale" is a doubt to clear up, not "another device"; "la bilancia" is one.
            expects: {
              kind: "choice",
              unlisted: "item:other",
              fallback: { option: "item:other", movedOn: "understanding.movedOn.item" },
            },
          }
        : { key: "intake.askItem" };
    }),
    on: {
      input: [
        {
          guard: ({ context }) =>
            (answer(context) ?? "").startsWith("item:") && answer(context) !== "item:other",
          target: "route",
          actions: [
            "keepRest",
            assign({
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
          ],
        },
        { guard: { type: "answered", params: { choice: "item:other" } }, target: "hardwareItemName" },
        {
          guard: ({ context }) => inputText(context).length >= 2 && context.choices.length === 0,
          target: "hardwareDate",
          actions: keepAnswerAs("item"),
        },
        { actions: reprompt },
      ],
    },
  });

  const hardwareItemName = m.createStateConfig({
    entry: ask(() => ({ key: "intake.askItem" })),
    on: {
      input: [
        {
          guard: { type: "textAtLeast", params: { min: 2 } },
          target: "hardwareDate",
          actions: keepAnswerAs("item"),
        },
        { actions: reprompt },
      ],
    },
  });

  const hardwareDate = m.createStateConfig({
    entry: ask(() => ({
      key: "intake.askPurchaseDate",
      choices: [{ id: "skip", key: "intake.dateUnknown" }],
      expects: {
        kind: "choice",
        unsure: "skip",
        fallback: { option: "skip", movedOn: "understanding.movedOn.date" },
      },
    })),
    on: {
      input: [
        {
          guard: { type: "answered", params: { choice: "skip" } },
          target: "route",
          actions: setDraft({ itemAsked: true, coverage: null }),
        },
        {
          guard: ({ context }) => purchaseDate(context) !== null,
          target: "route",
          actions: assign({
            draft: ({ context }) => ({
              ...context.draft!,
              purchasedOn: purchaseDate(context),
              itemAsked: true,
              coverage: null,
            }),
          }),
        },
        { actions: reprompt },
      ],
    },
  });

  const seriousDamage = m.createStateConfig({
    entry: ask(() => ({
      key: "intake.askSeriousDamage",
      choices: [
        { id: "damaged", key: "intake.seriouslyDamaged" },
        { id: "not-damaged", key: "intake.notDamaged" },
      ],
      expects: {
        kind: "yes-no",
        yes: "damaged",
        no: "not-damaged",
        fallback: { option: "not-damaged", movedOn: "understanding.movedOn.damage" },
      },
    })),
    on: {
      input: [
        {
          guard: { type: "answered", params: { choice: "damaged" } },
          target: "route",
          actions: [
            "keepRest",
            setDraft({ seriousDamage: true }),
            say("intake.seriousDamageReturn", () => ({ place: seriousDamageRule?.place ?? "" })),
          ],
        },
        {
          guard: { type: "answered", params: { choice: "not-damaged" } },
          target: "route",
          actions: ["keepRest", setDraft({ seriousDamage: false })],
        },
        mediaKept,
        { actions: reprompt },
      ],
    },
  });

  const blocking = m.createStateConfig({
    entry: ask(() => ({
      key: "intake.askBlocking",
      choices: [
        { id: "can-work", key: "intake.canWork" },
        { id: "blocked", key: "intake.blocked" },
      ],
      expects: {
        kind: "yes-no",
        yes: "can-work",
        no: "blocked",
        fallback: { option: "can-work", movedOn: "understanding.movedOn.blocking" },
      },
    })),
    on: {
      input: [
        {
          guard: { type: "answered", params: { choice: "can-work" } },
          target: "route",
          actions: ["keepRest", setDraft({ blocking: false, coverage: null })],
        },
        {
          guard: { type: "answered", params: { choice: "blocked" } },
          target: "route",
          actions: ["keepRest", setDraft({ blocking: true, coverage: null })],
        },
        mediaKept,
        { actions: reprompt },
      ],
    },
  });

  /** The consent intent with the rate it was given for. */
  const recordConsent = (accepted: boolean) => ({
    type: "recordConsent" as const,
    params: () => ({ accepted, quote: { ...rateQuote(policy) } }),
  });

  const consent = m.createStateConfig({
    entry: ask((context) => {
      const { key, params } = quotePrompt(policy, context, "intake.quote");
      return {
        key,
        params,
        choices: [
          { id: "accept", key: "intake.accept" },
          { id: "decline", key: "intake.decline" },
        ],
        // No default: nobody is charged without saying yes, nor turned away for a typo.
        expects: { kind: "yes-no", yes: "accept", no: "decline" },
      };
    }),
    on: {
      input: [
        {
          guard: { type: "answered", params: { choice: "accept" } },
          target: "route",
          actions: ["keepRest", setDraft({ consent: true }), recordConsent(true)],
        },
        {
          guard: { type: "answered", params: { choice: "decline" } },
          target: "idle",
          actions: [
            recordConsent(false),
            assign({ draft: null }),
            say("intake.declined", () => ({ contacts: { $contacts: "all" } })),
          ],
        },
        { actions: reprompt },
      ],
    },
  });

  const salesRep = m.createStateConfig({
    entry: ask(() => ({ key: "intake.askSalesRep" })),
    on: {
      input: [
        {
          guard: { type: "textAtLeast", params: { min: 2 } },
          target: "opening",
          actions: keepAnswerAs("salesRep"),
        },
        { actions: reprompt },
      ],
    },
  });

  return {
    route,
    hardwareItem,
    hardwareItemName,
    hardwareDate,
    seriousDamage,
    blocking,
    consent,
    salesRep,
  };
}
