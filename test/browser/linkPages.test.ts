/**
 * The one-time link pages (feedback form, sales rep) in real Chromium under their own CSP
 * (`style-src 'self'`): styled from /links.css, with no style refused by the policy.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRenderer } from "../../src/i18n/renderer.js";
import { registerLinkRoutes } from "../../src/server/linkRoutes.js";
import { createHarness, type Harness } from "../support/harness.js";
import { launchChromium } from "../support/testBrowser.js";
import { startWebStack, type WebStack } from "../support/webStack.js";

let h: Harness;
let stack: WebStack;
let browser: Browser;

beforeAll(async () => {
  h = await createHarness({ start: false });
  const renderer = createRenderer(h.policy);
  stack = await startWebStack({
    routes: [
      (scope) =>
        registerLinkRoutes(scope, {
          links: h.runtime.links,
          render: renderer.render,
          company: h.policy.company,
        }),
    ],
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await h?.stop();
});

describe("one-time link pages", () => {
  it("are styled under their CSP, with nothing blocked", async () => {
    const page = await browser.newPage();
    const refused: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy|Refused to apply/i.test(message.text())) refused.push(message.text());
    });
    for (const path of ["/feedback/not-a-real-token-000000000000", "/rep/not-a-real-token-000000000000"]) {
      const response = await page.goto(`${stack.baseUrl}${path}`);
      expect(response?.status()).toBe(404);
      expect(response?.headers()["content-security-policy"]).toContain("style-src 'self'");
      const look = (await page.evaluate(`(() => {
        const body = getComputedStyle(document.body);
        const main = getComputedStyle(document.querySelector("main"));
        return { background: body.backgroundColor, margin: body.margin, width: main.maxWidth };
      })()`)) as { background: string; margin: string; width: string };
      expect(look).toEqual({ background: "rgb(244, 246, 248)", margin: "0px", width: "544px" });
    }
    expect(refused).toEqual([]);
    await page.close();
  });
});
