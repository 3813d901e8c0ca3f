/** The WhatsApp adapter's settings, their defaults and the folders it keeps under the data folder. */
import type wweb from "whatsapp-web.js";
import type { ReconnectBackoff } from "./reconnectDelay.js";
import type { WhatsAppClientLike } from "./whatsAppClientLike.js";

/** Chromium used when `CHROME_PATH` is not set (Debian/Ubuntu `chromium` package). */
export const DEFAULT_CHROME_PATH = "/usr/bin/chromium";
/** Default cap on inbound media the adapter will download (WhatsApp itself allows up to 2 GB documents). */
export const DEFAULT_MAX_MEDIA_BYTES = 16 * 1024 * 1024;
/** How long to let whatsapp-web.js show a fresh QR on its own after a LOGOUT before relaunching. */
export const DEFAULT_LOGOUT_GRACE_MS = 60_000;
/** Folder under the data folder where LocalAuth keeps the linked-device session. */
export const SESSION_FOLDER = "whatsapp-session";
/** Folder under the data folder where the WhatsApp Web build is cached (default would be the cwd). */
export const WEB_CACHE_FOLDER = "whatsapp-web-cache";

/** pino-compatible logger subset. */
export interface WhatsAppLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options for {@link createWhatsAppAdapter}. */
export interface WhatsAppAdapterOptions {
  /** Data folder; the session lives in `<dataDir>/whatsapp-session` (LocalAuth). */
  dataDir: string;
  /** System Chromium (`CHROME_PATH`), default {@link DEFAULT_CHROME_PATH}. */
  chromePath?: string;
  /** Link by pairing code for this phone (any international format) instead of the QR. */
  pairWithPhone?: string;
  /** Largest inbound media `fetch()` will download, default {@link DEFAULT_MAX_MEDIA_BYTES}. */
  maxMediaBytes?: number;
  logger?: WhatsAppLogger;
  /** Builds the client; tests pass a fake. Default: the real whatsapp-web.js `Client`. */
  clientFactory?: (options: wweb.ClientOptions) => WhatsAppClientLike;
  /** Shows a QR to the operator; default prints it small in the terminal. */
  printQr?: (qr: string) => void;
  /** Waits before a reconnect attempt; must settle early when `signal` aborts. Injected by tests. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Jitter source in [0, 1). */
  random?: () => number;
  backoff?: Partial<ReconnectBackoff>;
  /** See {@link DEFAULT_LOGOUT_GRACE_MS}. */
  logoutGraceMs?: number;
  /** Overrides root detection for `--no-sandbox` (default: `process.getuid() === 0`). */
  runningAsRoot?: boolean;
}
