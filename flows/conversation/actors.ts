/**
 * The conversation's named actors. Their work is I/O (a model, the offline classifier, a
 * download), so the machine only declares them: the runtime executes each `xstate.spawnChild` of
 * these sources as a durable job and answers with the actor's done (or error) event, which
 * survives restarts.
 */
import { fromPromise } from "xstate";
import type { AttachmentMeta } from "../intents.js";
import type { TranscribeOutput, TriageOutput } from "./conversationTypes.js";

/** The `triage` (classify a problem) and `transcribe` (a voice note) actors. */
export const conversationActors = {
  triage: fromPromise<TriageOutput, { text: string }>(async () => {
    throw new Error("the triage actor is executed by the runtime");
  }),
  transcribe: fromPromise<TranscribeOutput, { attachment: AttachmentMeta }>(async () => {
    throw new Error("the transcribe actor is executed by the runtime");
  }),
};
