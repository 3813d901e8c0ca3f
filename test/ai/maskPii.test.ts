import { describe, expect, it } from "vitest";
import { maskPii } from "../../src/ai/maskPii.js";

describe("maskPii", () => {
  it("masks e-mails and phone numbers in the formats people write", () => {
    expect(maskPii("scrivete a mario.rossi+shop@negozio-uno.it grazie")).toBe("scrivete a [email] grazie");
    for (const phone of [
      "340 123 4567",
      "+39 340 1234567",
      "0039 045 468 4131",
      "045.4684131",
      "045-4684131",
      "3401234567",
      "(06) 1234 5678",
    ]) {
      expect(maskPii(`chiamate il ${phone} dopo le 9`), phone).toBe("chiamate il [phone] dopo le 9");
    }
  });

  it("masks IBANs and Italian tax codes", () => {
    expect(maskPii("IBAN IT60X0542811101000000123456, CF RSSMRA80A01H501U")).toBe("IBAN [iban], CF [tax-id]");
  });

  it("keeps what technicians need: dates, amounts, versions, codes and serial numbers", () => {
    for (const text of [
      "il 21/11/2026 alle 10:30",
      "pagato 1.234,56 euro",
      "versione 10.3.1 build 2024",
      "seriale SN12345678",
      "ticket T-2026-0042",
      "sigillo n. 00012345678",
    ]) {
      expect(maskPii(text), text).toBe(text);
    }
  });
});
