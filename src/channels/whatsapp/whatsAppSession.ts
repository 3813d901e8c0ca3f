/**
 * The WhatsApp Web session behind the adapter: launches whatsapp-web.js (system Chromium), shows
 * the QR or pairing code while linking, tracks the connection state and reconnects with backoff
 * when WhatsApp drops it. Events from a replaced client are ignored (each client has a generation).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import pino from "pino";
import wweb from "whatsapp-web.js";
import type { ChannelState } from "../port.js";
import { DEFAULT_RECONNECT_BACKOFF, type ReconnectBackoff, reconnectDelay } from "./reconnectDelay.js";
import { errorText } from "./valueText.js";
import type { WhatsAppClientLike, WhatsAppMessageLike } from "./whatsAppClientLike.js";
import { buildClientOptions, printTerminalQr } from "./whatsAppClientOptions.js";
import {
  DEFAULT_CHROME_PATH,
  DEFAULT_LOGOUT_GRACE_MS,
  SESSION_FOLDER,
  type WhatsAppAdapterOptions,
  type WhatsAppLogger,
} from "./whatsAppOptions.js";
import { toE164 } from "./whatsAppPhone.js";

const { Client } = wweb;

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => undefined);
}

/** Why WhatsApp dropped the session, in words an operator can act on. */
function explainDisconnect(reason: string): string {
  switch (reason) {
    case "LOGOUT":
      return "the linked device was logged out (removed from the phone's Linked devices, or WhatsApp ended the session)";
    case "CONFLICT":
      return "WhatsApp Web was opened with this session somewhere else";
    case "UNPAIRED":
    case "UNPAIRED_IDLE":
      return "the phone no longer recognises this linked device";
    case "TIMEOUT":
      return "the phone did not answer in time (offline or no battery?)";
    case "DEPRECATED_VERSION":
      return "WhatsApp rejected this WhatsApp Web version (update whatsapp-web.js)";
    case "PROXYBLOCK":
    case "SMB_TOS_BLOCK":
    case "TOS_BLOCK":
      return "WhatsApp blocked this connection (check the number is not banned)";
    default:
      return `WhatsApp Web reported state ${reason}`;
  }
}

/** One WhatsApp Web connection at a time, relaunched until stopped. */
export class WhatsAppSession {
  readonly log: WhatsAppLogger;
  readonly #options: WhatsAppAdapterOptions;
  readonly #factory: (options: wweb.ClientOptions) => WhatsAppClientLike;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly #backoff: ReconnectBackoff;
  readonly #chromePath: string;

  #state: ChannelState = { status: "off", hint: "WhatsApp adapter not started" };
  #client: WhatsAppClientLike | undefined;
  /** Bumped for every client; events from an older client are ignored. */
  #generation = 0;
  #stopped = true;
  #onMessage: ((message: WhatsAppMessageLike) => void) | undefined;
  #attempt = 0;
  #reconnect: AbortController | undefined;
  #lastQr: string | undefined;
  #pairingCode: string | undefined;

  constructor(options: WhatsAppAdapterOptions) {
    this.#options = options;
    this.log = options.logger ?? pino({ name: "whatsapp" });
    this.#factory = options.clientFactory ?? ((clientOptions) => new Client(clientOptions));
    this.#sleep = options.sleep ?? defaultSleep;
    this.#backoff = { ...DEFAULT_RECONNECT_BACKOFF, ...options.backoff };
    this.#chromePath = options.chromePath ?? DEFAULT_CHROME_PATH;
  }

  /** The connection state shown by the channel. */
  get state(): ChannelState {
    return this.#state;
  }

  /** The live client, if any (connected or not: check {@link state}). */
  get client(): WhatsAppClientLike | undefined {
    return this.#client;
  }

  /** Launches WhatsApp Web unless already running; incoming messages go to `onMessage`. */
  start(onMessage: (message: WhatsAppMessageLike) => void): void {
    this.#onMessage = onMessage;
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#attempt = 0;
    this.#launch();
  }

  /** Closes the browser and stops reconnecting. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancelReconnect();
    this.#generation++;
    const client = this.#client;
    this.#client = undefined;
    await this.#destroyQuietly(client);
    this.#state = { status: "off", hint: "WhatsApp adapter stopped" };
  }

  #setState(state: ChannelState): void {
    this.#state = state;
  }

  #launch(): void {
    const generation = ++this.#generation;
    this.#lastQr = undefined;
    this.#pairingCode = undefined;
    this.#setState({ status: "starting" });
    let client: WhatsAppClientLike;
    try {
      client = this.#factory(buildClientOptions(this.#options));
    } catch (error) {
      this.#launchFailed(generation, error);
      return;
    }
    this.#client = client;
    this.#wire(client, generation);
    this.log.info({ attempt: this.#attempt }, "WhatsApp: starting WhatsApp Web");
    let initializing: Promise<void>;
    try {
      initializing = client.initialize();
    } catch (error) {
      this.#launchFailed(generation, error);
      return;
    }
    initializing.catch((error: unknown) => this.#launchFailed(generation, error));
  }

  #launchFailed(generation: number, error: unknown): void {
    if (this.#stopped || generation !== this.#generation) return;
    const chromeHint = existsSync(this.#chromePath)
      ? ""
      : ` Chromium was not found at ${this.#chromePath}: install it or set CHROME_PATH.`;
    const message = `could not start WhatsApp Web: ${errorText(error)}.${chromeHint}`;
    this.log.error({ err: error, chromePath: this.#chromePath }, `WhatsApp: ${message}`);
    this.#setState({ status: "error", error: message });
    // Close the half-started browser now rather than leaving it open through a long backoff.
    const failed = this.#client;
    this.#client = undefined;
    void this.#destroyQuietly(failed);
    this.#scheduleReconnect(generation, "start failed");
  }

  #wire(client: WhatsAppClientLike, generation: number): void {
    const current = () => !this.#stopped && generation === this.#generation;

    client.on("qr", (qr: string) => {
      if (!current()) return;
      this.#cancelReconnect();
      this.#lastQr = qr;
      this.#setState({
        status: "waiting-for-qr",
        qr,
        ...(this.#pairingCode ? { pairingCode: this.#pairingCode } : {}),
      });
      this.log.info(
        {},
        "WhatsApp: not linked. On the phone open WhatsApp → Settings → Linked devices → Link a device and scan this QR",
      );
      (this.#options.printQr ?? printTerminalQr)(qr);
    });

    client.on("code", (code: string) => {
      if (!current()) return;
      this.#cancelReconnect();
      this.#pairingCode = code;
      this.#setState({ status: "waiting-for-qr", qr: this.#lastQr ?? "", pairingCode: code });
      this.log.info(
        { pairingCode: code },
        `WhatsApp: pairing code ${code}. On the phone open WhatsApp → Settings → Linked devices → Link a device → Link with phone number instead, and type it`,
      );
    });

    client.on("authenticated", () => {
      if (!current()) return;
      this.#cancelReconnect();
      this.#setState({ status: "starting" });
      this.log.info({}, "WhatsApp: session authenticated, loading chats");
    });

    client.on("auth_failure", (reason: unknown) => {
      if (!current()) return;
      const sessionDir = path.resolve(this.#options.dataDir, SESSION_FOLDER);
      const message = `WhatsApp could not restore the saved session (${String(reason)}). Stop sportello, delete ${sessionDir} and start again to link the account with a new QR.`;
      this.log.error({ reason, sessionDir }, message);
      this.#setState({ status: "error", error: message });
    });

    client.on("ready", () => {
      if (!current()) return;
      this.#cancelReconnect();
      this.#attempt = 0;
      this.#lastQr = undefined;
      this.#pairingCode = undefined;
      const linked = toE164(client.info?.wid?.user ?? "");
      this.#setState({ status: "connected", ...(linked ? { detail: `linked to ${linked}` } : {}) });
      this.log.info({ linked }, "WhatsApp: connected");
    });

    client.on("disconnected", (reason: unknown) => {
      if (!current()) return;
      const why = String(reason);
      const explanation = explainDisconnect(why);
      this.log.warn({ reason: why }, `WhatsApp: disconnected: ${explanation}`);
      if (why === "LOGOUT") {
        this.log.error(
          { sessionDir: path.resolve(this.#options.dataDir, SESSION_FOLDER) },
          "WhatsApp: the account was logged out. Re-link it: scan the new QR shown here and on the status page (WhatsApp → Settings → Linked devices → Link a device)",
        );
      }
      this.#setState({ status: "error", error: `disconnected: ${explanation}; reconnecting` });
      this.#scheduleReconnect(generation, why);
    });

    client.on("message", (message: WhatsAppMessageLike) => {
      if (!current()) return;
      this.#onMessage?.(message);
    });
  }

  #scheduleReconnect(generation: number, reason: string): void {
    if (this.#stopped || generation !== this.#generation || this.#reconnect) return;
    this.#attempt++;
    const backoffMs = reconnectDelay(this.#attempt, this.#backoff, this.#options.random);
    // After a LOGOUT whatsapp-web.js reloads the page and shows a fresh QR by itself; give it time
    // before tearing the browser down (its own logout clean-up is still running).
    const delayMs =
      reason === "LOGOUT"
        ? Math.max(backoffMs, this.#options.logoutGraceMs ?? DEFAULT_LOGOUT_GRACE_MS)
        : backoffMs;
    const controller = new AbortController();
    this.#reconnect = controller;
    this.log.info(
      { attempt: this.#attempt, delayMs, reason },
      `WhatsApp: reconnecting in ${Math.round(delayMs / 1000)} s (attempt ${this.#attempt})`,
    );
    void this.#sleep(delayMs, controller.signal)
      .catch(() => undefined)
      .then(async () => {
        if (this.#reconnect === controller) this.#reconnect = undefined;
        if (controller.signal.aborted || this.#stopped || generation !== this.#generation) return;
        const old = this.#client;
        this.#client = undefined;
        this.#generation++;
        await this.#destroyQuietly(old);
        if (this.#stopped) return;
        this.#launch();
      });
  }

  #cancelReconnect(): void {
    this.#reconnect?.abort();
    this.#reconnect = undefined;
  }

  async #destroyQuietly(client: WhatsAppClientLike | undefined): Promise<void> {
    if (!client) return;
    try {
      await client.destroy();
    } catch (error) {
      this.log.debug({ err: error }, "WhatsApp: destroying the old client failed (already closed?)");
    }
  }
}
