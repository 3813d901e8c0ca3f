/**
 * What each channel is like, as the core reads it: the runtime branches on these capabilities,
 * never on a channel's name, and they are known by name with no adapter running (a stored chat
 * or ticket of a channel that is off). A flipped capability changes how customers are matched,
 * asked and answered, so each one is pinned here.
 */
import { describe, expect, it } from "vitest";
import {
  CHANNEL_NAMES,
  type ChannelCapabilities,
  type ChannelName,
  capabilitiesOf,
  channelCapabilities,
} from "../../src/channels/port.js";

const none: ChannelCapabilities = {
  oneReplyPerTurn: false,
  senderIsPhone: false,
  senderIsEmail: false,
  voicemail: false,
  mailThreads: false,
};

describe("channel capabilities", () => {
  const table: [ChannelName, Partial<ChannelCapabilities>][] = [
    ["whatsapp", { senderIsPhone: true }],
    ["telegram", {}],
    ["web", {}],
    ["local", {}],
    ["email", { oneReplyPerTurn: true, senderIsEmail: true, mailThreads: true }],
    ["phone", { oneReplyPerTurn: true, senderIsPhone: true, voicemail: true }],
  ];
  it.each(table)("%s: %o, nothing else", (name, expected) => {
    expect(capabilitiesOf(name)).toEqual({ ...none, ...expected });
  });

  it("every channel name has its row", () => {
    expect(Object.keys(channelCapabilities).sort()).toEqual([...CHANNEL_NAMES].sort());
  });

  it("a stored name this version does not know has none (not the row of an inherited key)", () => {
    expect(capabilitiesOf("sms")).toEqual(none);
    expect(capabilitiesOf("toString")).toEqual(none);
  });
});
