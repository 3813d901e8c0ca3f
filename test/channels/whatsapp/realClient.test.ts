import path from "node:path";
import { describe, expect, it } from "vitest";
import wweb from "whatsapp-web.js";
import { buildClientOptions, renderTerminalQr } from "../../../src/channels/whatsapp/whatsAppAdapter.js";
import type { WhatsAppClientLike } from "../../../src/channels/whatsapp/whatsAppClientLike.js";

const { Client, LocalAuth } = wweb;

/** Builds the real whatsapp-web.js Client with our options; never calls initialize(), so no browser starts. */
function realClient(options: Parameters<typeof buildClientOptions>[0]) {
  const real = new Client(buildClientOptions(options));
  // Compile-time proof that the real Client fits the surface the adapter (and the fake) use.
  const like: WhatsAppClientLike = real;
  // `options` (merged with whatsapp-web.js defaults) and `authStrategy` exist at runtime, untyped.
  const client = real as unknown as { options: wweb.ClientOptions; authStrategy: unknown };
  return { client, like };
}

describe("buildClientOptions with the real whatsapp-web.js Client (not launched)", () => {
  const dataDir = "/tmp/sportello-data";

  it("uses system Chromium headless and keeps the session with LocalAuth under the data folder", () => {
    const { client } = realClient({ dataDir, chromePath: "/opt/chromium/chrome", runningAsRoot: false });
    expect(client.options.puppeteer?.executablePath).toBe("/opt/chromium/chrome");
    expect(client.options.puppeteer?.headless).toBe(true);
    expect(client.options.puppeteer?.args).toEqual(
      expect.arrayContaining(["--disable-gpu", "--disable-dev-shm-usage"]),
    );
    expect(client.options.puppeteer?.args).not.toContain("--no-sandbox");
    expect(client.options.authStrategy).toBeInstanceOf(LocalAuth);
    expect(client.authStrategy).toBe(client.options.authStrategy);
    const auth = client.options.authStrategy as InstanceType<typeof LocalAuth>;
    expect(auth.dataPath).toBe(path.resolve(dataDir, "whatsapp-session"));
    // The WhatsApp Web build cache must not land in the current directory.
    expect(client.options.webVersionCache).toEqual({
      type: "local",
      path: path.resolve(dataDir, "whatsapp-web-cache"),
    });
    // No pairing requested: whatsapp-web.js keeps its QR default.
    expect(client.options.pairWithPhoneNumber?.phoneNumber).toBe("");
  });

  it("defaults to /usr/bin/chromium and adds --no-sandbox exactly when running as root", () => {
    const asRoot = realClient({ dataDir, runningAsRoot: true }).client;
    expect(asRoot.options.puppeteer?.executablePath).toBe("/usr/bin/chromium");
    expect(asRoot.options.puppeteer?.args).toContain("--no-sandbox");

    const detected = realClient({ dataDir }).client;
    const root = process.getuid?.() === 0;
    expect(detected.options.puppeteer?.args?.includes("--no-sandbox")).toBe(root);
  });

  it("passes the pairing phone to whatsapp-web.js as symbol-free digits", () => {
    const { client } = realClient({ dataDir, pairWithPhone: "+39 333 123 4567" });
    expect(client.options.pairWithPhoneNumber).toMatchObject({ phoneNumber: "393331234567" });
  });
});

describe("renderTerminalQr", () => {
  it("draws the QR small enough for a terminal", async () => {
    const art = await renderTerminalQr("2@ABCDEFGHIJKLMNOPQRSTUVWXYZ,abc,def,ghi");
    const lines = art.trim().split("\n");
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.length).toBeLessThan(40);
    expect(art).toMatch(/[▀▄█]/u);
  });
});
