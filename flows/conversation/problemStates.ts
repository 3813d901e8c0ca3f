/**
 * Collecting the problem: `describe` (text, files, a voice note), `voice`/`voiceConfirm` (the
 * transcription, confirmed by the customer), `triaging` (the named triage actor suggests a
 * category) and the category's confirmation or choice.
 */
import { assign } from "xstate";
import { FALLBACK_CATEGORY } from "../../src/ai/classifier.js";
import { namesBoth, understandAnswer } from "../../src/understanding/answer.js";
import { lastResult } from "../lastResult.js";
import { conversationSetup as m } from "./conversationSetup.js";
import type { ConversationContext, TriageOutput } from "./conversationTypes.js";
import type { IntakeRules } from "./intakeRules.js";
import {
  answer,
  answerRest,
  draftVoice,
  emptyDraft,
  inputText,
  isSubstantive,
  understood,
} from "./messageInput.js";
import { categoryPrompt } from "./replies.js";
import { appendInputToDraft, ask, keepOnDraft, mediaKept, reprompt, say } from "./steps.js";

/** The triage's suggestion (a category offerable now, blocking, summary), kept on the draft. */
export const keepTriage = (rules: IntakeRules) => ({
  type: "keepTriage" as const,
  params: ({ context, event }: { context: ConversationContext; event: { output: TriageOutput } }) => ({
    // A suggestion the customer may not pick now (a weekend-only category on a weekday) gives way
    // to the best of the categories offered now, from the preset's keywords.
    suggested:
      event.output.category && rules.offerable(context, event.output.category)
        ? event.output.category
        : rules.categoryOf(context, context.draft?.description ?? ""),
    suggestedBlocking: event.output.blocking ?? null,
    summary: event.output.summary ?? null,
  }),
});

const voiceNotUnderstood = { target: "describe", actions: say("intake.voiceNotUnderstood") };

/** The states from `describe` to `categoryPick`. */
export function problemStates(rules: IntakeRules) {
  const describe = m.createStateConfig({
    entry: ask(() => ({ key: "intake.askDescription" })),
    on: {
      input: [
        { guard: "unsupportedOnly", actions: say("common.unsupportedMedia") },
        // The voice note itself stays on the ticket, next to the text it is transcribed to.
        { guard: "voiceWithAi", target: "voice", actions: appendInputToDraft },
        { guard: "voiceWithoutAi", actions: say("intake.voiceNotSupported") },
        mediaKept,
        { guard: ({ context }) => inputText(context).length < 3, actions: reprompt },
        { target: "triaging", actions: appendInputToDraft },
      ],
    },
  });

  const voice = m.createStateConfig({
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
        voiceNotUnderstood,
      ],
      onError: voiceNotUnderstood,
    },
    on: { input: keepOnDraft },
  });

  const voiceConfirm = m.createStateConfig({
    entry: ask((c) => ({
      key: "intake.voiceConfirm",
      params: { text: c.draft?.pendingVoice ?? "" },
      choices: [
        { id: "yes", key: "common.yes" },
        { id: "write", key: "intake.voiceWrite" },
      ],
      expects: {
        kind: "yes-no",
        yes: "yes",
        no: "write",
        fallback: { option: "write", movedOn: "understanding.movedOn.voice" },
      },
    })),
    on: {
      input: [
        {
          guard: { type: "answered", params: { choice: "yes" } },
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
        // "No, è lo scanner del banco che…": a written correction replaces what was understood.
        {
          guard: ({ context }) =>
            answer(context) === "write" && answerRest(context) !== "" && isSubstantive(context),
          target: "triaging",
          actions: [
            assign({ draft: ({ context }) => ({ ...context.draft!, pendingVoice: null }) }),
            appendInputToDraft,
          ],
        },
        { guard: { type: "answered", params: { choice: "write" } }, target: "describe" },
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
  });

  const triaging = m.createStateConfig({
    invoke: {
      id: "triage",
      src: "triage",
      input: ({ context }) => ({ text: context.draft?.description ?? "" }),
      onDone: {
        target: "categorySuggested",
        actions: keepTriage(rules),
      },
      // No suggestion: the customer picks the category.
      onError: { target: "categorySuggested" },
    },
    on: { input: keepOnDraft },
  });

  const categorySuggested = m.createStateConfig({
    always: [
      {
        guard: ({ context }) => !context.draft?.suggested || context.draft.suggested === "other",
        target: "categoryPick",
      },
      { target: "categoryConfirm" },
    ],
  });

  /** The category a typed answer names among those offered now ("è la stampante"), if any. */
  const namedCategory = lastResult((context: ConversationContext): string | null => {
    const text = inputText(context);
    if (text === "") return null;
    const offered = rules.offeredCategories(context);
    const byLabel = understandAnswer(
      text,
      offered.map((id) => ({ id, labels: rules.categoryLabels[id] ?? [] })),
      { kind: "choice" },
    );
    // Not by number or position: the list is not on the screen ("3" at "is that right?").
    if (byLabel.kind === "answer" && byLabel.layer === "number") return null;
    if (byLabel.kind === "answer" && byLabel.value !== FALLBACK_CATEGORY) return byLabel.value;
    // Naming "Altro" ("no, è un'altra cosa") is no category: the preset's keywords may still name one.
    const byKeywords = rules.categoryOf(context, text);
    // Several labels fit equally ("il programma"): the preset's keywords decide among them.
    if (byLabel.kind === "ambiguous")
      return byKeywords && byLabel.options.includes(byKeywords) ? byKeywords : null;
    return byKeywords;
  });

  const categoryConfirm = m.createStateConfig({
    entry: ask((c) => ({
      key: "intake.confirmCategory",
      params: { category: { $category: c.draft?.suggested ?? "other" } },
      choices: [
        { id: "yes", key: "common.yes" },
        { id: "other", key: "intake.otherCategory" },
      ],
      expects: {
        kind: "yes-no",
        yes: "yes",
        no: "other",
        fallback: { option: "other", movedOn: "understanding.movedOn.confirmCategory" },
      },
    })),
    on: {
      input: [
        // "No, è la stampante": the category named is taken at once.
        {
          guard: ({ context }) =>
            answer(context) !== "yes" &&
            namedCategory(context) !== null &&
            namedCategory(context) !== context.draft?.suggested,
          target: "route",
          actions: [
            "keepRest",
            assign({ draft: ({ context }) => ({ ...context.draft!, category: namedCategory(context) }) }),
          ],
        },
        // "Sì", or the suggested category's own name typed back.
        {
          guard: ({ context }) =>
            answer(context) === "yes" ||
            (answer(context) === undefined && namedCategory(context) === context.draft?.suggested),
          target: "route",
          actions: [
            "keepRest",
            assign({
              draft: ({ context }) => ({ ...context.draft!, category: context.draft!.suggested }),
            }),
          ],
        },
        { guard: { type: "answered", params: { choice: "other" } }, target: "categoryPick" },
        mediaKept,
        { actions: reprompt },
      ],
    },
  });

  /** The category picked: a tap, a number, a name, "non so" (→ other), else the preset's keywords. */
  const pickedCategory = (context: ConversationContext): string | null => {
    // "Sia la stampante che il computer": two problems, asked which one first.
    if (namesBoth(inputText(context))) return null;
    const choice = answer(context);
    if (choice !== undefined) return rules.offerable(context, choice) ? choice : null;
    const result = understood(context);
    if (result.kind !== "ambiguous") return namedCategory(context);
    // Ambiguous between some categories: the preset's keywords may settle it.
    const byKeywords = rules.categoryOf(context, inputText(context));
    return byKeywords && result.options.includes(byKeywords) ? byKeywords : null;
  };

  const categoryPick = m.createStateConfig({
    entry: ask((c) => categoryPrompt(rules, c)),
    on: {
      input: [
        {
          guard: ({ context }) => pickedCategory(context) !== null,
          target: "route",
          actions: [
            "keepRest",
            assign({ draft: ({ context }) => ({ ...context.draft!, category: pickedCategory(context) }) }),
          ],
        },
        mediaKept,
        { actions: reprompt },
      ],
    },
  });

  return {
    describe,
    voice,
    voiceConfirm,
    triaging,
    categorySuggested,
    categoryConfirm,
    categoryPick,
  };
}
