/** whatsapp-web.js `Client` options, and the terminal QR shown while linking. */
import path from "node:path";
import qrcodeTerminal from "qrcode-terminal";
import wweb from "whatsapp-web.js";
import { WhatsAppConfigError } from "./whatsAppConfigError.js";
import {
  DEFAULT_CHROME_PATH,
  SESSION_FOLDER,
  WEB_CACHE_FOLDER,
  type WhatsAppAdapterOptions,
} from "./whatsAppOptions.js";
import { pairingDigits } from "./whatsAppPhone.js";

const { LocalAuth } = wweb;

/**
 * whatsapp-web.js `Client` options for our settings: LocalAuth under the data folder, system
 * Chromium headless, `--no-sandbox` only when running as root (Chromium refuses to start as root
 * with its sandbox), pairing by phone number when asked. Builds a fresh LocalAuth each call
 * because an auth strategy binds to exactly one Client.
 */
export function buildClientOptions(options: WhatsAppAdapterOptions): wweb.ClientOptions {
  const root = options.runningAsRoot ?? process.getuid?.() === 0;
  const args = [
    ...(root ? ["--no-sandbox", "--disable-setuid-sandbox"] : []),
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
  ];
  const clientOptions: wweb.ClientOptions = {
    authStrategy: new LocalAuth({ dataPath: path.resolve(options.dataDir, SESSION_FOLDER) }),
    puppeteer: {
      executablePath: options.chromePath ?? DEFAULT_CHROME_PATH,
      headless: true,
      args,
    },
    webVersionCache: { type: "local", path: path.resolve(options.dataDir, WEB_CACHE_FOLDER) },
  };
  if (options.pairWithPhone !== undefined) {
    const digits = pairingDigits(options.pairWithPhone);
    if (!digits) {
      throw new WhatsAppConfigError(
        "whatsapp-bad-pairing-phone",
        `WHATSAPP_PAIR_PHONE "${options.pairWithPhone}" is not a phone number in international format (e.g. +393331234567)`,
      );
    }
    clientOptions.pairWithPhoneNumber = { phoneNumber: digits, showNotification: true };
  }
  return clientOptions;
}

/** Renders a QR string as small terminal art (also usable by a status command). */
export function renderTerminalQr(qr: string): Promise<string> {
  return new Promise((resolve) => qrcodeTerminal.generate(qr, { small: true }, resolve));
}

/** Prints a QR small in the terminal (the default `printQr`). */
export function printTerminalQr(qr: string): void {
  qrcodeTerminal.generate(qr, { small: true }, (art) => process.stdout.write(`${art}\n`));
}
