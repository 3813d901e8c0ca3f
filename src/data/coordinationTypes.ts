/**
 * The contract of the coordination between sportello instances on one database (chat locks,
 * leased claims of jobs and outboxes, events fanned out), implemented in `coordination.ts`.
 */
import type { StoreTx } from "./database.js";
import type { OutboxClaim } from "./sqlMessages.js";
import type { JobRow, OutboundRow } from "./supportStore.js";

/** An outbound message claimed for delivery by this instance. */
export interface ClaimedOutbound extends OutboundRow {
  nextAttemptAt: Date | null;
}

/** What a chat is, for the outbox. */
export interface OutboxChat {
  channel: string;
  chatId: string;
}

/** State of the presence/notification connection, for `/health`. */
export type BusState = { ok: true } | { ok: false; reason: string };

/** How {@link Coordination} is set up (tests move its wall clock and shorten its leases). */
export interface CoordinationOptions {
  /** This instance's id (default random); shown in `claimedBy`. */
  instanceId?: string;
  /** How long a claim on a job protects it (default 5 min: a job may call a slow desk or AI). */
  jobLeaseMs?: number;
  /** How long a claim on a chat's outbox protects it (default 2 min, above any send timeout). */
  outboxLeaseMs?: number;
  /** Wall clock for leases (tests may move it). */
  wallClock?: () => number;
  /** Told when the PostgreSQL presence/notification connection is lost or back. */
  onBusState?: (state: BusState) => void;
  /**
   * A command-line session (the local chat) that keeps no files: present for claims like any
   * instance, left out of {@link Coordination.liveInstances}.
   */
  tool?: boolean;
}

/** What one instance uses to share the database with the others (see `coordination.ts`). */
export interface Coordination {
  readonly instanceId: string;
  /**
   * Serialises a chat across instances until the caller's transaction ends (PostgreSQL:
   * `pg_advisory_xact_lock` on the chat key). The lock statement is pipelined, not awaited: every
   * statement the transaction sends after this call runs only once the lock is held (a
   * connection's statements run in order), and the first of them shares its round trip.
   * SQLite: nothing to do, the single process queues chats itself.
   */
  lockChat(tx: StoreTx, chatKey: string): Promise<void>;
  /** Claims up to `limit` due jobs for this instance. */
  claimJobs(now: Date, limit?: number): Promise<JobRow[]>;
  /**
   * Marks a claimed job done; false when it was rescheduled or taken over meanwhile (it then
   * stays pending for whoever holds it now).
   */
  completeJob(id: string, at: Date): Promise<boolean>;
  /** Records a claimed job's failure: pending again at `retryAt`, or failed for good when null. */
  failJob(id: string, error: string, retryAt: Date | null): Promise<void>;
  /**
   * Claims a chat's pending outbound messages, oldest first, unless another live instance is
   * delivering that chat (then none: it sends them in order itself).
   */
  claimChatOutbox(chat: OutboxChat): Promise<ClaimedOutbound[]>;
  /**
   * PostgreSQL only: {@link claimChatOutbox} inside the caller's transaction, which then holds the
   * chat's outbox lock until it ends. Sent last before COMMIT, it shares COMMIT's round trip and
   * includes the rows the transaction queued; the claim counts only if the transaction commits.
   * Absent on SQLite, whose one process sends what it committed from memory.
   */
  readonly claimChatOutboxIn?: (tx: StoreTx, chat: OutboxChat) => Promise<ClaimedOutbound[]>;
  /**
   * PostgreSQL only: a claim by this instance (lease from now) to insert a chat's outbound rows
   * with, for a transaction that holds the chat's lock ({@link lockChat}) and found no pending
   * outbound row for the chat: nobody else is delivering it then, and every writer of the chat
   * waits for the lock. (Otherwise the rows are claimed with {@link claimChatOutboxIn}.)
   */
  readonly insertClaim?: () => OutboxClaim;
  /** Gives claimed, unsent messages back (not due yet, or held back behind a failed one). */
  releaseOutbox(ids: string[]): Promise<void>;
  /** Chats with a pending outbound message due at `now`. */
  chatsWithDueOutbox(now: Date, limit?: number): Promise<OutboxChat[]>;
  /** When the earliest pending outbound retry is due, or null. */
  nextOutboxAttempt(): Promise<Date | null>;
  /** Sends `payload` (≤ 7,900 bytes) to every instance's subscribers of `topic`, this one included. */
  publish(topic: string, payload: string): Promise<void>;
  /** Subscribes to a topic; returns the unsubscribe function. */
  subscribe(topic: string, handler: (payload: string) => void): () => void;
  /**
   * The ids of the instances present on the database now, this one included (PostgreSQL: their
   * presence connections, command-line sessions left out; SQLite: this one, the only one).
   */
  liveInstances(): Promise<string[]>;
  /** Closes the presence/notification connection. */
  close(): Promise<void>;
}
