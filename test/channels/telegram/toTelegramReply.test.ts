import { describe, expect, it } from "vitest";
import {
  inlineKeyboardOf,
  splitTelegramText,
  TelegramReplyError,
  toTelegramReply,
} from "../../../src/channels/telegram/toTelegramReply.js";

describe("splitTelegramText", () => {
  it("keeps short text whole and gives nothing for blank text", () => {
    expect(splitTelegramText("  ciao  ")).toEqual(["ciao"]);
    expect(splitTelegramText(" \n ")).toEqual([]);
  });

  it("prefers paragraph breaks, then line breaks, then spaces", () => {
    expect(splitTelegramText("aaaa\n\nbbbb\ncc", 10)).toEqual(["aaaa", "bbbb\ncc"]);
    expect(splitTelegramText("aaaa\nbbbb\ncccc", 10)).toEqual(["aaaa\nbbbb", "cccc"]);
    expect(splitTelegramText("aaa bbb ccc ddd", 8)).toEqual(["aaa bbb", "ccc ddd"]);
  });

  it("cuts a word longer than the limit without splitting a surrogate pair", () => {
    const parts = splitTelegramText(`${"x".repeat(9)}😀yyy`, 10);
    expect(parts).toEqual(["x".repeat(9), "😀yyy"]);
  });

  it("never exceeds the limit and loses no words", () => {
    const words = Array.from(
      { length: 3000 },
      (_, i) => `w${i}${i % 7 === 0 ? "\n" : i % 13 === 0 ? "\n\n" : " "}`,
    );
    const text = words.join("");
    const parts = splitTelegramText(text, 4096);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(4096);
    expect(parts.join(" ").split(/\s+/)).toEqual(text.trim().split(/\s+/));
  });
});

describe("toTelegramReply", () => {
  it("puts the keyboard on the last text part, then the attachments", () => {
    const steps = toTelegramReply({
      channel: "telegram",
      chatId: "42",
      text: `${"a".repeat(4090)}\n\n${"b".repeat(10)}`,
      choices: [{ id: "ok", label: "OK" }],
      attachments: [
        { kind: "image", name: "p.jpg", data: new Uint8Array([1]) },
        { kind: "voice", name: "v.ogg", url: "https://example.com/v.ogg" },
        { kind: "other", name: "x.bin", data: new Uint8Array([2]) },
      ],
    });
    expect(steps.map((step) => step.method)).toEqual([
      "sendMessage",
      "sendMessage",
      "sendPhoto",
      "sendVoice",
      "sendDocument",
    ]);
    expect(steps[0]).not.toHaveProperty("replyMarkup");
    expect(steps[1]).toMatchObject({
      replyMarkup: { inline_keyboard: [[{ text: "OK", callback_data: "ok" }]] },
    });
  });

  it("refuses what Telegram cannot show", () => {
    expect(() => toTelegramReply({ channel: "telegram", chatId: "1", text: "" })).toThrow(TelegramReplyError);
    expect(() =>
      toTelegramReply({ channel: "telegram", chatId: "1", text: " ", choices: [{ id: "a", label: "A" }] }),
    ).toThrow(/question text/);
    expect(() =>
      toTelegramReply({
        channel: "telegram",
        chatId: "1",
        text: "",
        attachments: [{ kind: "image", name: "n" }],
      }),
    ).toThrow(/neither bytes nor a URL/);
  });
});

describe("inlineKeyboardOf", () => {
  it("accepts callback data up to 64 UTF-8 bytes and refuses longer", () => {
    expect(() => inlineKeyboardOf([{ id: "x".repeat(64), label: "ok" }])).not.toThrow();
    // 22 × "é" is 44 bytes but 22 characters; 33 × "é" is 66 bytes.
    expect(() => inlineKeyboardOf([{ id: "é".repeat(33), label: "too long" }])).toThrow(
      expect.objectContaining({ code: "telegram.choice_id_too_long" }),
    );
  });
});
