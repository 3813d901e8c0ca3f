/** Unusable WhatsApp settings, reported at start-up; `code` is stable (e.g. `whatsapp-bad-pairing-phone`). */
import { CodedError } from "../../errors.js";
export class WhatsAppConfigError extends CodedError<"whatsapp-bad-pairing-phone"> {}
