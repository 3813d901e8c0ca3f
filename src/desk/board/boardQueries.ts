/**
 * Read-only queries the staff board needs beyond {@link StaffActions}. Optional: without them the
 * board shows the ticket's description instead of the transcript. The runtime is expected to
 * offer the same data as `StaffActions.getTranscript(number)` later; this interface is the shape
 * the board consumes.
 */

/** One line of a ticket's transcript, oldest first. */
export interface TranscriptEntry {
  /** `in` customer, `out` bot, `staff` technician reply or question, `note` internal note. */
  direction: "in" | "out" | "staff" | "note";
  text: string;
  /** ISO instant. */
  at: string;
  /** Technician name for `staff` and `note` lines. */
  by?: string;
  /**
   * Attachments of the line. `ref` is the port's InboundAttachment.ref; the board can open
   * `web-upload:<id>` refs itself, others through {@link BoardQueries.attachment}.
   */
  attachments?: { kind: string; name?: string; mime?: string; size?: number; ref?: string }[];
}

export interface BoardQueries {
  transcript(number: string): Promise<TranscriptEntry[]>;
  /** Bytes of a non-web attachment (Telegram/WhatsApp download); null when unavailable. */
  attachment?(number: string, ref: string): Promise<{ bytes: Uint8Array; mime: string; name: string } | null>;
}
