/** Unusable WhatsApp settings, reported at start-up; `code` is stable (e.g. `whatsapp-bad-pairing-phone`). */
export class WhatsAppConfigError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "WhatsAppConfigError";
    this.code = code;
  }
}
