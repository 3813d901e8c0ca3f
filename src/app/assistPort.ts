/**
 * Adapts the optional {@link AiAssist} to the runtime's {@link AssistPort}: triage over the
 * preset's categories, voice-note transcription, and reply drafts within the preset's policy text.
 */
import type { AiAssist } from "../ai/triage.js";
import type { Policy } from "../policy/schema.js";
import type { AssistPort } from "../runtime/supportRuntime.js";
import { triageCategories } from "./offlineTriage.js";
import { policyText } from "./policyText.js";

/** The runtime's assist port backed by the AI assist for one policy preset. */
export function assistPortFor(ai: AiAssist, policy: Policy): AssistPort {
  const categories = triageCategories(policy);
  const policyTexts = { it: policyText(policy, "it"), en: policyText(policy, "en") };
  return {
    triage: async ({ description, language, ticketId }) => {
      const r = await ai.triage({ description, categories, language, ...(ticketId ? { ticketId } : {}) });
      return { category: r.category, blocking: r.blocking, summary: r.summary, language: r.language };
    },
    interpret: (input) => ai.interpret(input),
    transcribe: (input) => ai.transcribe(input),
    suggestReply: ({ transcript, language, ticketId }) =>
      ai.suggestReply({
        transcript,
        policyText: policyTexts[language],
        language,
        ...(ticketId ? { ticketId } : {}),
      }),
  };
}
