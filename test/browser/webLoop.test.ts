/**
 * The full loop in real Chromium (Debian's package driven by playwright-core): a customer opens
 * a ticket on the web chat, a technician claims, replies and closes it on the staff board, and
 * the customer sees the reply, the outcome and the feedback question. Screenshots of both pages
 * at desktop and phone width go to test-results/screenshots/ for review.
 */
import { mkdir } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { DateTime } from "luxon";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { staffInviteLink } from "../../src/desk/board/staffAuth.js";
import { launchChromium, QUIET_NETWORK_ARGS } from "../support/testBrowser.js";
import { startWebStack, type WebStack } from "../support/webStack.js";

const SHOTS = "test-results/screenshots";
const PHONE = { width: 390, height: 780 };
const DESKTOP = { width: 1280, height: 820 };
const WAIT = { timeout: 10_000 };

let stack: WebStack;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  stack = await startWebStack();
  browser = await launchChromium(QUIET_NETWORK_ARGS);
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await stack?.close();
});

async function open(
  viewport: { width: number; height: number },
  locale = "it-IT",
  timezoneId = "America/New_York",
): Promise<Page> {
  // A browser far from Rome: the board must still show the support team's local times.
  const context = await browser.newContext({ viewport, locale, timezoneId });
  contexts.push(context);
  return context.newPage();
}

describe("web chat and staff board in Chromium", () => {
  it("customer opens a ticket, staff claims, replies and closes it, the customer sees it all", async () => {
    const customer = await open(PHONE);
    await customer.goto(`${stack.baseUrl}/`);
    await customer.getByRole("heading", { name: "Assistenza tecnica" }).waitFor(WAIT);
    // Keyboard only: the message box is focused on load and Enter sends.
    await customer.getByLabel("Il tuo messaggio").fill("La stampante dell'ufficio non stampa più");
    await customer.keyboard.press("Enter");
    await customer.getByText("Grazie. Riesci a lavorare?").waitFor(WAIT);
    await customer.getByRole("button", { name: "No, sono bloccato" }).click();
    await customer.getByText("Ho aperto il ticket WEB-0001").waitFor(WAIT);
    expect(stack.runtime.received.map((m) => [m.text, m.choice ?? null, m.languageHint])).toEqual([
      ["La stampante dell'ufficio non stampa più", null, "it-IT"],
      ["No, sono bloccato", "blocked", "it-IT"],
    ]);
    // The answered choice list can no longer be clicked.
    expect(await customer.getByRole("button", { name: "Sì, posso lavorare" }).isDisabled()).toBe(true);

    // Marco got a one-time link (`sportello staff invite Marco`): he chooses his password there.
    const { token } = await stack.staffAuth.issueInvite("Marco");
    const staff = await open(DESKTOP);
    await staff.goto(staffInviteLink(stack.baseUrl, token));
    await staff.getByLabel("Nuova password (almeno 10 caratteri)").fill("correct horse battery");
    await staff.getByLabel("Ripeti la password").fill("correct horse battery");
    await staff.getByRole("button", { name: "Salva e accedi" }).click();
    await staff.getByRole("button", { name: /WEB-0001/ }).waitFor(WAIT);
    // The link is spent; the password he chose is what signs him in from now on.
    await staff.getByRole("button", { name: "Esci" }).click();
    await staff.getByLabel("Nome").fill("Marco");
    await staff.getByLabel("Password").fill("correct horse battery");
    await staff.getByRole("button", { name: "Entra" }).click();
    await staff.getByRole("button", { name: /WEB-0001/ }).click();
    await staff.locator("#transcript").getByText("La stampante dell'ufficio non stampa più").waitFor(WAIT);
    const firstAt = stack.runtime.transcripts.get("WEB-0001")![0]!.at;
    const romeTime = DateTime.fromISO(firstAt).setZone("Europe/Rome").toFormat("HH:mm");
    expect(await staff.locator("#transcript .at").first().textContent()).toContain(romeTime);
    await staff.getByRole("button", { name: "Prendi in carico" }).click();
    await staff.locator("#ticket-meta").getByText("Assegnato a: Marco").waitFor(WAIT);
    await staff.getByLabel("Messaggio").fill("Ho riavviato lo spooler di stampa da remoto, riprova ora.");
    await staff.getByRole("button", { name: "Rispondi al cliente" }).click();
    await customer
      .getByText("Marco: Ho riavviato lo spooler di stampa da remoto, riprova ora.")
      .waitFor(WAIT);

    await staff.getByLabel("Minuti lavorati").fill("45");
    await staff.getByLabel("Soluzione").fill("Spooler di stampa riavviato");
    const confirm = staff.getByRole("button", { name: "Conferma chiusura" });
    expect(await confirm.isDisabled()).toBe(true);
    await staff.getByRole("button", { name: "Mostra addebito" }).click();
    const charge = staff.locator("#charge");
    await charge.getByText("60 min fatturati").waitFor(WAIT);
    expect(await charge.textContent()).toMatch(/80,00\s€ \+ IVA 17,60\s€ = 97,60\s€/);
    await screenshotBoth(staff, "board");
    await confirm.click();

    await customer.getByText("Il ticket WEB-0001 è chiuso: Spooler di stampa riavviato").waitFor(WAIT);
    await customer.getByText("Come valuti l'assistenza ricevuta?").waitFor(WAIT);
    await customer.getByRole("button", { name: "5", exact: true }).waitFor(WAIT);
    await staff.getByRole("button", { name: "Riapri" }).waitFor(WAIT);
    // A closed ticket takes no more replies or closes from the board.
    expect(await staff.locator("#close-form").isVisible()).toBe(false);
    expect(await staff.locator("#message-form").isVisible()).toBe(false);
    expect(stack.runtime.tickets.get("WEB-0001")).toMatchObject({ status: "closed", minutes: 45 });
    await screenshotBoth(customer, "chat");
  });

  it("shows upload errors in the chat and accepts a photo", async () => {
    const customer = await open(DESKTOP, "en-US");
    await customer.goto(`${stack.baseUrl}/`);
    await customer.getByRole("heading", { name: "Technical support" }).waitFor(WAIT);
    await customer.getByLabel("Attach a photo or file").setInputFiles({
      name: "page.html",
      mimeType: "text/html",
      buffer: Buffer.from("<h1>hi</h1>"),
    });
    await customer.getByRole("button", { name: "Send" }).click();
    await customer.getByRole("alert").getByText("This kind of file is not accepted").waitFor(WAIT);
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
      "base64",
    );
    await customer
      .getByLabel("Attach a photo or file")
      .setInputFiles({ name: "screen.png", mimeType: "image/png", buffer: png });
    await customer.getByLabel("Your message").fill("Here is the error screen");
    await customer.getByRole("button", { name: "Send" }).click();
    await customer.getByText("Thanks. Can you still work?").waitFor(WAIT);
    const image = customer.locator("li.msg.in img");
    await image.waitFor(WAIT);
    // The image loads through the chat's own file URL (awaited: decoding may finish after attach).
    await expect
      .poll(() =>
        image.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).naturalWidth),
      )
      .toBe(1);
    const received = stack.runtime.received.at(-1)!;
    expect(received.attachments[0]).toMatchObject({ kind: "image", mime: "image/png", name: "screen.png" });
  });

  it("puts the chat on another page with one script tag", async () => {
    const host = await open(DESKTOP, "en-US");
    // A shop page on another origin (another port); loopback like the chat server, since Chromium
    // blocks public pages from loading scripts from private addresses.
    const shop = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<html><body><h1>Shop</h1><script src="${stack.baseUrl}/widget.js"></script></body></html>`);
    });
    await new Promise<void>((resolve) => shop.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => shop.close(() => resolve())));
    const { port } = shop.address() as AddressInfo;
    await host.goto(`http://127.0.0.1:${port}/`);
    const button = host.getByRole("button", { name: "Open the support chat" });
    await button.click();
    const frame = host.frameLocator(`iframe[src="${stack.baseUrl}/?embed=1"]`);
    await frame.getByRole("heading", { name: "Technical support" }).waitFor(WAIT);
    await host.getByRole("button", { name: "Close the chat" }).waitFor(WAIT);
    await host.screenshot({ path: `${SHOTS}/widget-desktop.png` });
  });
});

async function screenshotBoth(page: Page, name: string): Promise<void> {
  const original = page.viewportSize() ?? DESKTOP;
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: `${SHOTS}/${name}-desktop.png`, fullPage: true });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: `${SHOTS}/${name}-phone.png`, fullPage: true });
  await page.setViewportSize(original);
}
