/**
 * How the runtime is put together from a preset, its channels, desks and optional AI: the one
 * composition `startApp`, the story runner, the terminal chat and the tests' harness share, so
 * none of them can drift (e.g. forget the offline triage or the language detection that
 * `npm start` uses).
 */

import type { AiAssist } from "../ai/aiAssistTypes.js";
import { detectLanguage } from "../ai/classifier.js";
import type { AssistPort, RuntimeOptions, TriageSuggestion } from "../runtime/runtimeTypes.js";
import { SupportRuntime } from "../runtime/supportRuntime.js";
import { assistPortFor } from "./assistPort.js";
import { createOfflineTriage } from "./offlineTriage.js";

export interface RuntimeComposition
  extends Omit<RuntimeOptions, "assist" | "offlineTriage" | "detectLanguage"> {
  /**
   * The AI assist (off when absent or null): an {@link AiAssist}, adapted to the preset here, or
   * an {@link AssistPort} already shaped for the runtime.
   */
  ai?: AiAssist | AssistPort | null;
  /** Triage without AI; default the offline classifier over the preset's keywords, null for none. */
  offlineTriage?: ((description: string) => TriageSuggestion) | null;
  /** Language of an unknown customer's first message; default the offline classifier, null for none. */
  detectLanguage?: RuntimeOptions["detectLanguage"] | null;
}

/** The runtime options a composition stands for (exported for the checks that read them). */
export function runtimeOptions(composition: RuntimeComposition): RuntimeOptions {
  const { ai, offlineTriage, detectLanguage: detect, ...rest } = composition;
  const triage = offlineTriage === undefined ? createOfflineTriage(composition.policy) : offlineTriage;
  const language = detect === undefined ? detectLanguage : detect;
  return {
    ...rest,
    ...(triage ? { offlineTriage: triage } : {}),
    ...(language ? { detectLanguage: language } : {}),
    assist: ai ? assistPort(ai, composition) : null,
  };
}

/** Builds the runtime (not started: `start()` connects the channels and desks). */
export function composeRuntime(composition: RuntimeComposition): SupportRuntime {
  return new SupportRuntime(runtimeOptions(composition));
}

function assistPort(ai: AiAssist | AssistPort, composition: RuntimeComposition): AssistPort {
  // An AiAssist takes the preset's categories; a port is already the runtime's shape.
  return "settle" in ai ? assistPortFor(ai, composition.policy) : ai;
}
