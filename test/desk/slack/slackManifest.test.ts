import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { parse } from "yaml";
import { createSlackDesk } from "../../../src/desk/slack/slackDesk.js";

interface Manifest {
  features: { slash_commands: { command: string; url: string; should_escape: boolean }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url: string };
  };
}

it("the app manifest declares what the desk uses, all on the desk's one endpoint", () => {
  const manifest = parse(
    readFileSync(new URL("../../../slack-app-manifest.yaml", import.meta.url), "utf8"),
  ) as Manifest;
  const desk = createSlackDesk({
    botToken: "xoxb",
    signingSecret: "s",
    staffChannel: "C1",
    seen: async () => false,
  });
  expect(manifest.oauth_config.scopes.bot).toEqual(
    expect.arrayContaining([
      "chat:write",
      "commands",
      "im:write",
      "channels:history",
      "groups:history",
      "files:read",
    ]),
  );
  expect(manifest.settings.event_subscriptions.bot_events).toEqual(
    expect.arrayContaining(["message.channels", "message.groups"]),
  );
  expect(manifest.settings.interactivity.is_enabled).toBe(true);
  const [command] = manifest.features.slash_commands;
  expect(command?.command).toBe("/sportello");
  expect(command?.should_escape).toBe(true);
  const urls = [
    command?.url,
    manifest.settings.event_subscriptions.request_url,
    manifest.settings.interactivity.request_url,
  ];
  for (const url of urls) expect(new URL(String(url)).pathname).toBe(desk.endpoint);
});
