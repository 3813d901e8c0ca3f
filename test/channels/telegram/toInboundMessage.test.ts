import type { Update } from "grammy/types";
import { describe, expect, it } from "vitest";
import {
  largestPhoto,
  startPayloadOf,
  toCallbackAcknowledgement,
  toGroupNotice,
  toInboundMessage,
} from "../../../src/channels/telegram/toInboundMessage.js";

const receivedAt = new Date("2026-11-20T10:00:00Z");
const fetched: string[] = [];
const context = {
  receivedAt,
  fetchFile: async (file: { fileId: string }) => {
    fetched.push(file.fileId);
    return new Uint8Array([1, 2, 3]);
  },
};

const user = { id: 42, is_bot: false, first_name: "Anna", language_code: "en-GB" };
const privateChat = { id: 42, type: "private" as const, first_name: "Anna" };

function update(fields: Record<string, unknown>): Update {
  return { update_id: 1, ...fields } as unknown as Update;
}

function message(fields: Record<string, unknown>, chat: Record<string, unknown> = privateChat): Update {
  return update({ message: { message_id: 7, date: 1_763_632_800, chat, from: user, ...fields } });
}

describe("toInboundMessage", () => {
  it("keeps identity, time and language of a private message", () => {
    const inbound = toInboundMessage(message({ text: "help" }), context);
    expect(inbound).toEqual({
      channel: "telegram",
      chatId: "42",
      senderId: "42",
      platformMessageId: "42:7",
      at: new Date(1_763_632_800_000),
      text: "help",
      attachments: [],
      senderName: "Anna",
      languageHint: "en-GB",
    });
  });

  it("ignores groups, supergroups, channels, edits and bots", () => {
    expect(
      toInboundMessage(message({ text: "hi" }, { id: -5, type: "group", title: "G" }), context),
    ).toBeUndefined();
    expect(
      toInboundMessage(message({ text: "hi" }, { id: -1005, type: "supergroup", title: "S" }), context),
    ).toBeUndefined();
    expect(
      toInboundMessage(
        update({
          channel_post: {
            message_id: 1,
            date: 1,
            chat: { id: -1007, type: "channel", title: "C" },
            text: "x",
          },
        }),
        context,
      ),
    ).toBeUndefined();
    expect(
      toInboundMessage(
        update({ edited_message: { message_id: 7, date: 1, chat: privateChat, from: user, text: "x" } }),
        context,
      ),
    ).toBeUndefined();
    expect(
      toInboundMessage(message({ text: "hi", from: { ...user, is_bot: true } }), context),
    ).toBeUndefined();
  });

  it("ignores service messages that carry neither text nor media", () => {
    expect(toInboundMessage(message({ pinned_message: {} }), context)).toBeUndefined();
  });

  it("describes documents, video, audio and voice without downloading them", () => {
    fetched.length = 0;
    const inbound = toInboundMessage(
      message({
        caption: "files",
        document: {
          file_id: "d1",
          file_unique_id: "u",
          file_name: "log.txt",
          mime_type: "text/plain",
          file_size: 10,
        },
        video: {
          file_id: "v1",
          file_unique_id: "u",
          width: 1,
          height: 1,
          duration: 1,
          mime_type: "video/mp4",
        },
        audio: {
          file_id: "a1",
          file_unique_id: "u",
          duration: 1,
          mime_type: "audio/mpeg",
          file_name: "a.mp3",
        },
        voice: { file_id: "n1", file_unique_id: "u", duration: 1 },
      }),
      context,
    );
    expect(inbound?.text).toBe("files");
    expect(inbound?.attachments.map((a) => [a.kind, a.ref, a.mime, a.name])).toEqual([
      ["document", "d1", "text/plain", "log.txt"],
      ["video", "v1", "video/mp4", undefined],
      ["voice", "n1", "audio/ogg", undefined],
      ["audio", "a1", "audio/mpeg", "a.mp3"],
    ]);
    expect(fetched).toEqual([]);
  });

  it("downloads only when fetch() is called, with the known size", async () => {
    const sizes: (number | undefined)[] = [];
    const inbound = toInboundMessage(
      message({ document: { file_id: "d9", file_unique_id: "u", file_size: 99 } }),
      {
        receivedAt,
        fetchFile: async (file) => {
          sizes.push(file.size);
          return new Uint8Array([9]);
        },
      },
    );
    expect(sizes).toEqual([]);
    expect(await inbound?.attachments[0]?.fetch?.()).toEqual(new Uint8Array([9]));
    expect(sizes).toEqual([99]);
  });

  it("turns a callback query into a choice with the button label as text", () => {
    const inbound = toInboundMessage(
      update({
        callback_query: {
          id: "q1",
          from: user,
          chat_instance: "c",
          data: "yes",
          message: {
            message_id: 3,
            date: 1,
            chat: privateChat,
            text: "Ok?",
            reply_markup: { inline_keyboard: [[{ text: "Yes please", callback_data: "yes" }]] },
          },
        },
      }),
      context,
    );
    expect(inbound).toMatchObject({
      platformMessageId: "cb:q1",
      chatId: "42",
      senderId: "42",
      choice: "yes",
      text: "Yes please",
      at: receivedAt,
    });
  });

  it("ignores a callback query from a group message", () => {
    const query = {
      callback_query: {
        id: "q2",
        from: user,
        chat_instance: "c",
        data: "yes",
        message: { message_id: 3, date: 1, chat: { id: -5, type: "group", title: "G" }, text: "Ok?" },
      },
    };
    expect(toInboundMessage(update(query), context)).toBeUndefined();
    expect(toCallbackAcknowledgement(update(query))).toEqual({
      callbackQueryId: "q2",
      chatId: "-5",
      messageId: 3,
    });
  });
});

describe("startPayloadOf", () => {
  it("extracts the deep-link payload only from /start", () => {
    expect(startPayloadOf("/start C-00042")).toBe("C-00042");
    expect(startPayloadOf("/start@sportello_bot ABC")).toBe("ABC");
    expect(startPayloadOf("/start")).toBeUndefined();
    expect(startPayloadOf("/started ABC")).toBeUndefined();
    expect(startPayloadOf("hello /start ABC")).toBeUndefined();
    expect(startPayloadOf(undefined)).toBeUndefined();
  });
});

describe("largestPhoto", () => {
  it("compares area, whatever the order Telegram lists sizes in", () => {
    const sizes = [
      { file_id: "m", file_unique_id: "m", width: 320, height: 240 },
      { file_id: "l", file_unique_id: "l", width: 1280, height: 960 },
      { file_id: "s", file_unique_id: "s", width: 90, height: 67 },
    ];
    expect(largestPhoto(sizes)?.file_id).toBe("l");
    expect(largestPhoto([])).toBeUndefined();
  });
});

describe("toGroupNotice", () => {
  const bot = { id: 777, is_bot: true, first_name: "Bot" };
  const group = { id: -10, type: "supergroup", title: "Office" };

  it("fires when the bot itself is added or the group is created with it", () => {
    expect(toGroupNotice(message({ new_chat_members: [bot] }, group), 777)).toEqual({
      chatId: "-10",
      languageHint: "en-GB",
    });
    expect(
      toGroupNotice(message({ group_chat_created: true }, { id: -11, type: "group", title: "G" }), 777),
    ).toEqual({
      chatId: "-11",
      languageHint: "en-GB",
    });
  });

  it("stays silent for other group traffic and for private chats", () => {
    expect(
      toGroupNotice(message({ new_chat_members: [{ ...bot, id: 5, is_bot: false }] }, group), 777),
    ).toBeUndefined();
    expect(toGroupNotice(message({ text: "hello bot" }, group), 777)).toBeUndefined();
    expect(toGroupNotice(message({ text: "hello" }), 777)).toBeUndefined();
  });
});
