/**
 * Reading a chat's stored conversation row, once per message: the persisted machine state
 * (validated: the row comes from the database) and the labels of the choices last shown, which
 * map a typed answer to a choice.
 */
import { z } from "zod";
import { normalize } from "../../flows/textMatchers.js";
import type * as store from "../data/supportStore.js";
import { type GuardState, readGuard } from "./loopGuard.js";

const persistedLabels = z.object({ labels: z.record(z.string(), z.string()).optional() });

const persistedConversation = z.object({
  v: z.literal(1),
  value: z.union([z.string(), z.record(z.string(), z.unknown())]),
  context: z
    .object({
      language: z.enum(["it", "en"]),
      ticket: z.string().nullable(),
      choices: z.array(z.string()),
      draft: z.record(z.string(), z.unknown()).nullable(),
    })
    .passthrough(),
});

/** A persisted machine state: the state value and the context. */
export type PersistedState = z.infer<typeof persistedConversation>;

/** A stored conversation row, as {@link store.loadConversation} returns it. */
export type ConversationRow = Awaited<ReturnType<typeof store.loadConversation>>;

/**
 * A stored conversation, read (parsed and validated) once per message: the row, the persisted
 * machine state — or why it is unreadable — and the labels of the choices last shown.
 */
export interface StoredConversation {
  row: NonNullable<ConversationRow>;
  /** The persisted machine state; `null` when unreadable (see `unreadable`). */
  state: PersistedState | null;
  /** Why the state could not be read, for the log; `undefined` when it was. */
  unreadable?: unknown;
  labels: Record<string, string>;
  /** The loop guards' counts for this chat (see `loopGuard`). */
  guard: GuardState;
  /**
   * The machine state the row's text was saved from, when this process still holds it (see
   * savedSnapshots.ts): restoring it takes no parsing. Typed loosely: the executor knows its machine.
   */
  snapshot: unknown;
}

/**
 * A {@link StoredConversation}, always built here: every read has the same shape (the same
 * properties in the same order), so the code reading it stays on one object layout.
 */
export function storedConversation(
  row: NonNullable<ConversationRow>,
  state: PersistedState | null,
  unreadable: unknown,
  labels: Record<string, string>,
  guard: GuardState,
  snapshot: unknown = undefined,
): StoredConversation {
  return { row, state, unreadable, labels, guard, snapshot };
}

/**
 * A plain JSON object the schemas above take as it is: zod copies objects key by key, where a
 * "__proto__" key would be lost, so such an object is left to zod.
 */
function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) && !Object.hasOwn(value, "__proto__")
  );
}

function allStrings(values: unknown[]): boolean {
  for (const v of values) if (typeof v !== "string") return false;
  return true;
}

/**
 * The same decisions as `persistedConversation` for what the runtime itself saves, without
 * zod's copies: `true` only where zod accepts and would return the same content. Anything else
 * (an old or damaged row) goes through zod, which decides and says why.
 */
function plainlyValid(json: unknown): json is PersistedState {
  if (!isRecord(json) || json.v !== 1) return false;
  if (typeof json.value !== "string" && !isRecord(json.value)) return false;
  const context = json.context;
  return (
    isRecord(context) &&
    (context.language === "it" || context.language === "en") &&
    (context.ticket === null || typeof context.ticket === "string") &&
    Array.isArray(context.choices) &&
    allStrings(context.choices) &&
    (context.draft === null || isRecord(context.draft))
  );
}

/** The labels `persistedLabels` reads from the row, without zod for plain string records. */
function labelsOf(json: unknown): Record<string, string> {
  if (isRecord(json)) {
    const labels = json.labels;
    if (labels === undefined) return {};
    if (isRecord(labels) && allStrings(Object.values(labels))) return labels as Record<string, string>;
  }
  return persistedLabels.safeParse(json).data?.labels ?? {};
}

/**
 * Reads a stored conversation row once: its state (validated; an unreadable one restarts the
 * conversation) and its choice labels. Not JSON at all is an error, as it always was.
 */
export function readConversation(row: ConversationRow): StoredConversation | null {
  if (!row) return null;
  const json: unknown = JSON.parse(row.snapshot);
  const labels = labelsOf(json);
  const guard = readGuard(isRecord(json) ? json.guard : undefined);
  if (plainlyValid(json))
    return storedConversation(
      row,
      { v: 1, value: json.value, context: withChatFacts(json.context) },
      undefined,
      labels,
      guard,
    );
  const parsed = persistedConversation.safeParse(json);
  return parsed.success
    ? storedConversation(
        row,
        { ...parsed.data, context: withChatFacts(parsed.data.context) },
        undefined,
        labels,
        guard,
      )
    : storedConversation(row, null, parsed.error, labels, guard);
}

/** The chat's facts that snapshots saved before they were grouped kept beside the rest. */
const FLAT_CHAT_FACTS = ["aiEnabled", "oneReply", "voicemail", "senderPhone", "senderEmail", "lastInboundAt"];

/**
 * A stored context as the machine reads it now: one saved before the chat's facts were grouped
 * in `chat` gets them moved there (missing ones as the machine's defaults), so a conversation
 * open across an upgrade goes on where it was.
 */
function withChatFacts<C extends Record<string, unknown>>(context: C): C {
  if (isRecord(context.chat)) return context;
  const upgraded: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(context))
    if (!FLAT_CHAT_FACTS.includes(key)) upgraded[key] = value;
  upgraded.chat = {
    aiEnabled: context.aiEnabled === true,
    oneReply: context.oneReply === true,
    voicemail: context.voicemail === true,
    senderPhone: typeof context.senderPhone === "string" ? context.senderPhone : null,
    senderEmail: typeof context.senderEmail === "string" ? context.senderEmail : null,
    lastInboundAt: typeof context.lastInboundAt === "string" ? context.lastInboundAt : null,
  };
  return upgraded as C;
}

/**
 * Maps a typed answer that is exactly one of the labels the customer was last shown ("No,
 * grazie") to its choice id, as if tapped: only the runtime knows the labels it rendered (kept
 * with the snapshot). Everything else — numbers, sentences, typos — is the understanding layer's
 * (`src/understanding/`), which the machine asks with the question's expectation.
 */
export function choiceFromLabels(stored: StoredConversation | null, text: string): string | undefined {
  if (!stored || !text.trim() || text.length > 200) return undefined;
  const typed = normalize(text);
  // Each question's labels are an object of another shape: a plain loop over them keeps the
  // inbound path's optimised code valid for all of them (entries/filter did not).
  let found: string | undefined;
  for (const id in stored.labels) {
    if (normalize(stored.labels[id]!) !== typed) continue;
    if (found !== undefined) return undefined;
    found = id;
  }
  return found;
}
