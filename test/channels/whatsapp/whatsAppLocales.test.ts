import { readFileSync } from "node:fs";
import i18next from "i18next";
import { describe, expect, it } from "vitest";
import { mediaErrorText, WhatsAppMediaError } from "../../../src/channels/whatsapp/whatsAppMediaError.js";

function load(lang: "it" | "en"): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../../locales/${lang}.json`, import.meta.url), "utf8"));
}

describe("WhatsApp media errors → customer text", () => {
  it("renders media-too-large and media-unavailable in Italian and English from the locale files", async () => {
    const i18n = i18next.createInstance();
    await i18n.init({
      lng: "it",
      resources: { it: { translation: load("it") }, en: { translation: load("en") } },
      interpolation: { escapeValue: false },
    });
    const tooLarge = mediaErrorText(
      new WhatsAppMediaError("media-too-large", "x", { size: 20_000_000, maxBytes: 16 * 1024 * 1024 }),
    )!;
    expect(tooLarge.key).toBe("whatsapp.mediaTooLarge");
    const it = i18n.t(tooLarge.key, { ...tooLarge.params, lng: "it" });
    expect(it).toContain("20 MB");
    expect(it).toContain("16 MB");
    expect(i18n.t(tooLarge.key, { ...tooLarge.params, lng: "en" })).toContain("too large");

    const unavailable = mediaErrorText(new WhatsAppMediaError("media-unavailable", "x"))!;
    expect(i18n.t(unavailable.key, { lng: "it" })).toContain("rimandarlo");
    expect(i18n.t(unavailable.key, { lng: "en" })).toContain("again");

    expect(mediaErrorText(new Error("other"))).toBeUndefined();
  });
});
