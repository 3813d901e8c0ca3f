import { describe, expect, it } from "vitest";
import { ticketNumbersInSubject } from "../../src/channels/email/threading.js";
import { toTelegramReply } from "../../src/channels/telegram/toTelegramReply.js";
import { toWhatsAppMessages } from "../../src/channels/whatsapp/toWhatsAppMessages.js";
import { asciiTicketNumbers, unbreakableTicketNumbers } from "../../src/text/ticketNumber.js";

const NB = "\u2011";

describe("ticket numbers in phone chats", () => {
  it("are sent with non-breaking hyphens, nothing else in the text changes", () => {
    const text =
      "✅ Ho aperto la segnalazione LT-2026-00042. Conserva questo numero. Tel. 045-4684131, 2026-12-08";
    expect(unbreakableTicketNumbers(text)).toBe(
      `✅ Ho aperto la segnalazione LT${NB}2026${NB}00042. Conserva questo numero. Tel. 045-4684131, 2026-12-08`,
    );
  });

  it("on WhatsApp and Telegram", async () => {
    const parts = await toWhatsAppMessages({
      channel: "whatsapp",
      chatId: "c",
      text: "Segnalazione LG-2027-00007",
    });
    expect(parts).toEqual([{ text: `Segnalazione LG${NB}2027${NB}00007` }]);
    const steps = toTelegramReply({ channel: "telegram", chatId: "1", text: "Request LW-2027-00123 opened" });
    expect(steps[0]).toMatchObject({ text: `Request LW${NB}2027${NB}00123 opened` });
  });

  it("are read back in ASCII whatever hyphen, dash or joiner the copy carries, any case", () => {
    for (const typed of [
      `LT${NB}2026${NB}00042`,
      "LT\u2010" + "2026\u2013" + "00042",
      "lt-2026-00042",
      "LT-\u20602026-\u206000042",
      "LT\u22122026\u221200042",
    ]) {
      expect(asciiTicketNumbers(`info su ${typed} grazie`)).toBe("info su LT-2026-00042 grazie");
    }
    expect(asciiTicketNumbers("costa 80–90 €, 2026–2027, tel 045-4684131")).toBe(
      "costa 80–90 €, 2026–2027, tel 045-4684131",
    );
    expect(ticketNumbersInSubject(`Re: [LT${NB}2026${NB}00042] Segnalazione chiusa`)).toEqual([
      "LT-2026-00042",
    ]);
  });
});
