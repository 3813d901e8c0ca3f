/** The Cloud API driver's pure parts: port → Cloud API messages, send errors, the platform's wait advice. */
import { describe, expect, it } from "vitest";
import { toCloudSendError } from "../../../src/channels/whatsapp/cloud/cloudSendError.js";
import { retryAdvice } from "../../../src/channels/whatsapp/cloud/graphApi.js";
import { GraphApiError } from "../../../src/channels/whatsapp/cloud/graphApiError.js";
import { templateParameter, toCloudMessages } from "../../../src/channels/whatsapp/cloud/toCloudMessages.js";
import { chatIdOf, recipientOf } from "../../../src/channels/whatsapp/cloud/toInboundMessage.js";
import { kindMatches } from "../../../src/runtime/serviceWindow.js";

const labels = { listButton: "Scegli" };
const choices = (n: number, label = (i: number) => `Opzione ${i}`) =>
  Array.from({ length: n }, (_, i) => ({ id: `c${i + 1}`, label: label(i + 1) }));
const message = (text: string, n = 0, label?: (i: number) => string) => ({
  channel: "whatsapp" as const,
  chatId: "393331234567@c.us",
  text,
  ...(n ? { choices: choices(n, label) } : {}),
});

describe("toCloudMessages", () => {
  it("up to three short choices are reply buttons whose ids are the choice ids", () => {
    const [part] = toCloudMessages(message("Va bene?", 3), "393331234567", labels);
    expect(part).toEqual({
      payload: {
        to: "393331234567",
        type: "interactive",
        interactive: {
          type: "button",
          body: { text: "Va bene?" },
          action: {
            buttons: [1, 2, 3].map((i) => ({ type: "reply", reply: { id: `c${i}`, title: `Opzione ${i}` } })),
          },
        },
      },
    });
  });

  it("four to ten choices, or a title over 20 characters, make a list; titles over 24 are cut and kept whole as the description", () => {
    const four = toCloudMessages(message("Quale?", 4), "1", labels)[0] as {
      payload: { interactive: { type: string } };
    };
    expect(four.payload.interactive.type).toBe("list");
    const long = "Configurazione delle periferiche nel software";
    const [part] = toCloudMessages(
      message("Quale?", 2, (i) => (i === 1 ? long : "Altro")),
      "1",
      labels,
    );
    expect(part).toMatchObject({
      payload: {
        interactive: {
          type: "list",
          action: {
            button: "Scegli",
            sections: [
              {
                rows: [
                  { id: "c1", title: "Configurazione delle pe…", description: long },
                  { id: "c2", title: "Altro" },
                ],
              },
            ],
          },
        },
      },
    });
    const ten = toCloudMessages(message("Quale?", 10), "1", labels)[0] as { payload: { type: string } };
    expect(ten.payload.type).toBe("interactive");
  });

  it("beyond ten choices, a label over 72 characters or a body over 1,024 fall back to the numbered text", () => {
    for (const m of [
      message("Quale?", 11),
      message("Quale?", 2, () => "x".repeat(73)),
      message("y".repeat(1025), 2),
    ]) {
      const parts = toCloudMessages(m, "1", labels) as {
        payload: { type: string; text?: { body: string } };
      }[];
      expect(parts[0]!.payload.type).toBe("text");
      expect(parts.map((p) => p.payload.text!.body).join("\n")).toMatch(/\n1\. .+\n2\. /);
    }
  });

  it("a template carries the text as its one body parameter, on one line and within the limit", () => {
    const [part] = toCloudMessages(
      {
        ...message("Chiusa:\n\nfatto"),
        template: { name: "sportello_update", language: "it", parameters: ["Chiusa:\n\nfatto\tbene     ok"] },
      },
      "39333",
      labels,
    );
    expect(part).toEqual({
      payload: {
        to: "39333",
        type: "template",
        template: {
          name: "sportello_update",
          language: { code: "it" },
          components: [{ type: "body", parameters: [{ type: "text", text: "Chiusa: · fatto bene   ok" }] }],
        },
      },
    });
    expect([...templateParameter("z".repeat(5000))]).toHaveLength(1000);
  });

  it("files follow the text as uploads, by kind", () => {
    const parts = toCloudMessages(
      {
        ...message("Ecco"),
        attachments: [
          { kind: "image", name: "a.jpg", data: new Uint8Array([1]) },
          { kind: "voice", name: "v.ogg", data: new Uint8Array([1]) },
          { kind: "other", name: "x.bin", data: new Uint8Array([1]) },
        ],
      },
      "1",
      labels,
    );
    expect(parts.map((p) => ("upload" in p ? p.type : "text"))).toEqual([
      "text",
      "image",
      "audio",
      "document",
    ]);
  });
});

describe("chat ids", () => {
  it("are whatsapp-web.js's <digits>@c.us, so switching driver keeps every chat; @lid cannot be reached", () => {
    expect(chatIdOf("393331234567")).toBe("393331234567@c.us");
    expect(recipientOf("393331234567@c.us")).toBe("393331234567");
    expect(recipientOf("207394850117231@lid")).toBeUndefined();
  });
});

describe("send errors", () => {
  const graph = (status: number, metaCode?: number, retryAfterMs?: number) =>
    new GraphApiError("x", {
      status,
      ...(metaCode !== undefined ? { metaCode } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });

  it("rate limits wait as advised (a minute without advice), 5xx and Meta's temporary codes are retried, the rest is final", () => {
    expect(toCloudSendError(graph(429, 130429, 7000))).toMatchObject({
      code: "whatsapp.rate_limited",
      retryAfterMs: 7000,
      permanent: false,
    });
    expect(toCloudSendError(graph(400, 131056))).toMatchObject({
      code: "whatsapp.rate_limited",
      retryAfterMs: 60_000,
    });
    expect(toCloudSendError(graph(503))).toMatchObject({ code: "whatsapp.unavailable", permanent: false });
    expect(toCloudSendError(graph(500, 131000))).toMatchObject({ permanent: false });
    expect(toCloudSendError(graph(400, 131047))).toMatchObject({
      code: "whatsapp.outside_window",
      permanent: true,
    });
    expect(toCloudSendError(graph(400, 131026))).toMatchObject({
      code: "whatsapp.rejected",
      permanent: true,
    });
    expect(toCloudSendError(graph(400, 132001))).toMatchObject({ permanent: true });
    expect(toCloudSendError(graph(401, 190))).toMatchObject({
      code: "whatsapp.unauthorized",
      permanent: false,
    });
    expect(toCloudSendError(new Error("boom"))).toMatchObject({
      code: "whatsapp.send_failed",
      permanent: false,
    });
  });

  it("reads the platform's advice from Retry-After or X-Business-Use-Case-Usage", () => {
    expect(retryAdvice(new Headers({ "retry-after": "3" }))).toBe(3000);
    expect(
      retryAdvice(
        new Headers({
          "x-business-use-case-usage": JSON.stringify({
            "123": [{ type: "whatsapp", estimated_time_to_regain_access: 2 }],
          }),
        }),
      ),
    ).toBe(120_000);
    expect(retryAdvice(new Headers())).toBeUndefined();
  });
});

describe("template kinds", () => {
  it("match exactly, or by prefix with a trailing *", () => {
    expect(kindMatches("feedback.closedWithCharge", ["feedback.closed*"])).toBe(true);
    expect(kindMatches("feedback.askRating", ["feedback.closed*"])).toBe(false);
    expect(kindMatches("intake.repDeclined", ["intake.repDeclined"])).toBe(true);
    expect(kindMatches("intake.repDeclinedX", ["intake.repDeclined"])).toBe(false);
  });
});
