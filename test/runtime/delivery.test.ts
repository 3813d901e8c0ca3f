import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChannelName, ChannelSendError } from "../../src/channels/port.js";
import * as store from "../../src/data/supportStore.js";
import { createHarness } from "../support/harness.js";
import { countOf, rowsOf, theRow } from "../support/rows.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

describe("runtime: delivery and de-duplication", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t.drop());

  /** A runtime on the test database with a local channel and an in-memory media store (not started). */
  async function startRuntime(as: ChannelName, category: string | null) {
    const files = new Map<string, Uint8Array>();
    const h = await createHarness({
      database: t,
      channels: [as],
      start: false,
      offlineTriage: () => ({ category }),
      retryDelayMs: () => 1000,
      mediaStore: {
        put: async (bytes, name) => {
          const ref = `m${files.size}-${name}`;
          files.set(ref, bytes);
          return ref;
        },
        get: async (ref) => files.get(ref)!,
      },
    });
    return { clock: h.clock, channel: h.local(), runtime: h.runtime };
  }

  async function setup(phone: string) {
    const { clock, channel, runtime } = await startRuntime("whatsapp", null);
    await t.db.transaction((tx) =>
      store.createCustomer(tx, {
        company: "Bar Roma",
        phone,
        language: "it",
        plans: ["standard"],
        verified: true,
      }),
    );
    await runtime.start();
    const chat = `${phone.slice(1)}@c.us`;
    return {
      clock,
      channel,
      runtime,
      chat,
      msg: (text: string, id: string) =>
        channel.message(chat, text, { senderId: phone, platformMessageId: id }),
    };
  }

  it("the same platform message delivered twice produces one reply and at most one ticket", async () => {
    const { channel, runtime, msg } = await setup("+393330000001");
    await channel.receive(msg("La stampante non stampa", "m1"));
    const afterFirst = channel.sent.length;
    await channel.receive(msg("La stampante non stampa", "m1"));
    expect(channel.sent.length).toBe(afterFirst);
    await channel.receive(msg("1", "m2")); // category
    await channel.receive(msg("1", "m3")); // can work
    await channel.receive(msg("1", "m3")); // redelivered: ignored
    const tickets = await rowsOf(t.db, "Ticket", `"chatId" = ?`, "393330000001@c.us");
    expect(tickets).toHaveLength(1);
    const opened = channel.sent.filter((m) => m.text.includes(tickets[0]!.number));
    expect(opened).toHaveLength(1);
    await runtime.stop();
  });

  it("a failed send stays queued, keeps the chat's order and is retried", async () => {
    const { clock, channel, runtime, msg } = await setup("+393330000002");
    channel.failNext = { count: 1, error: new ChannelSendError("network", "socket hang up") };
    await channel.receive(msg("ciao", "w1"));
    expect(channel.sent).toHaveLength(0);
    const pending = await rowsOf(
      t.db,
      "Message",
      `"chatId" = ? AND "direction" = 'out'`,
      "393330000002@c.us",
    );
    expect(pending.every((m) => m.status === "pending")).toBe(true);
    clock.advance(2000);
    await runtime.deliver();
    expect(channel.sent.map((m) => m.text)[0]).toContain("Ciao");
    expect(channel.sent.length).toBe(pending.length);
    await runtime.stop();
  });

  it("a reply never overtakes an older one waiting for a retry, and none is sent twice", async () => {
    const { clock, channel, runtime, msg } = await setup("+393330000005");
    const chatId = "393330000005@c.us";
    const outbox = () =>
      rowsOf(t.db, "Message", `"chatId" = ? AND "direction" = 'out' ORDER BY "at", "id"`, chatId);
    // Two turns delivered at once (the chat has nothing else pending).
    await channel.receive(msg("ciao", "o1"));
    await channel.receive(msg("La stampante non stampa", "o2"));
    expect((await outbox()).map((m) => m.status)).toEqual(channel.sent.map(() => "sent"));
    // The next reply fails: it waits for its retry, and the next turn's replies wait behind it.
    channel.failNext = { count: 1, error: new ChannelSendError("network", "socket hang up") };
    const before = channel.sent.length;
    await channel.receive(msg("1", "o3"));
    await channel.receive(msg("sì", "o4"));
    expect(channel.sent.length).toBe(before);
    clock.advance(2000);
    await runtime.deliver();
    // Everything went out once, in the order it was queued.
    const rows = await outbox();
    expect(rows.every((m) => m.status === "sent")).toBe(true);
    expect(channel.sent.map((m) => m.outboxId)).toEqual(rows.map((m) => m.id));
    await runtime.stop();
  });

  it("a turn committed while the chat's previous replies are still being sent sends each reply once, in order", async () => {
    const { channel, runtime, msg } = await setup("+393330000006");
    const chatId = "393330000006@c.us";
    // The first reply's send hangs until released (a slow platform).
    let entered!: () => void;
    const sending = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let held = false;
    (channel as unknown as { options: { onSend: () => Promise<void> } }).options.onSend = async () => {
      if (held) return;
      held = true;
      entered();
      await gate;
    };
    const first = channel.receive(msg("ciao", "s1"));
    await sending;
    const second = channel.receive(msg("La stampante non stampa", "s2"));
    // The second turn commits (its replies queued) while the first reply is still in hand.
    await expect
      .poll(async () =>
        countOf(
          t.db,
          "Message",
          `"chatId" = ? AND "direction" = 'in' AND "platformMessageId" = 's2'`,
          chatId,
        ),
      )
      .toBe(1);
    release();
    await Promise.all([first, second]);
    const rows = await rowsOf(
      t.db,
      "Message",
      `"chatId" = ? AND "direction" = 'out' ORDER BY "at", "id"`,
      chatId,
    );
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.every((m) => m.status === "sent")).toBe(true);
    expect(channel.sent.map((m) => m.outboxId)).toEqual(rows.map((m) => m.id));
    await runtime.stop();
  });

  it("a technician's file reaches the customer with the reply, through the durable outbox", async () => {
    const { channel, runtime } = await startRuntime("whatsapp", "software-usage");
    const phone = "+393330000003";
    await t.db.transaction((tx) =>
      store.createCustomer(tx, {
        company: "Bar Roma",
        phone,
        language: "it",
        plans: ["standard"],
        verified: true,
      }),
    );
    await store.upsertTechnician(t.db, { name: "marco" });
    await runtime.start();
    const chat = `${phone.slice(1)}@c.us`;
    for (const [i, text] of ["Non capisco come si fa il reso nel programma", "sì", "1"].entries()) {
      await channel.receive(channel.message(chat, text, { senderId: phone, platformMessageId: `f${i}` }));
    }
    const ticket = await theRow(t.db, "Ticket", `"chatId" = ?`, chat);
    expect((await runtime.perform({ type: "claim", ticket: ticket.number, by: { name: "marco" } })).ok).toBe(
      true,
    );
    const pdf = new TextEncoder().encode("%PDF-1.4 guide");
    const result = await runtime.perform({
      type: "reply",
      ticket: ticket.number,
      by: { name: "marco" },
      text: "Ecco la guida",
      attachments: [{ kind: "document", name: "guida.pdf", mime: "application/pdf", data: pdf }],
    });
    expect(result.ok).toBe(true);
    const last = channel.sent.at(-1)!;
    expect(last.text).toContain("Ecco la guida");
    expect(last.attachments?.[0]).toMatchObject({
      kind: "document",
      name: "guida.pdf",
      mime: "application/pdf",
    });
    expect(new TextDecoder().decode(last.attachments![0]!.data)).toBe("%PDF-1.4 guide");
    const empty = await runtime.perform({
      type: "reply",
      ticket: ticket.number,
      by: { name: "marco" },
      text: "  ",
    });
    expect(empty).toMatchObject({ ok: false, code: "invalid-input" });
    await runtime.stop();
  });

  it("keeps customers' photos for technicians and explains files that could not be downloaded", async () => {
    const { channel, runtime } = await startRuntime("telegram", "software-usage");
    const customer = await t.db.transaction((tx) =>
      store.createCustomer(tx, {
        company: "Bar Roma",
        language: "it",
        plans: ["standard"],
        verified: true,
      }),
    );
    await store.linkIdentity(t.db, customer.id, "telegram", "555");
    await runtime.start();
    const photo = new TextEncoder().encode("JPEG bytes");
    let fetches = 0;
    const message = channel.message("555", "Lo schermo mostra questo errore strano", {
      senderId: "555",
      platformMessageId: "ph1",
      attachments: [
        {
          kind: "image",
          name: "errore.jpg",
          mime: "image/jpeg",
          size: photo.length,
          fetch: async () => {
            fetches++;
            return photo;
          },
        },
        {
          kind: "video",
          name: "huge.mp4",
          size: 90_000_000,
          fetch: async () => {
            throw Object.assign(new Error("too big"), { code: "telegram.media_too_large" });
          },
        },
      ],
    });
    await channel.receive(message);
    await channel.receive(message); // redelivered: neither processed nor downloaded again
    expect(fetches).toBe(1);
    expect(channel.sent.some((m) => m.text.includes("troppo grande"))).toBe(true);
    for (const [i, text] of ["sì", "1"].entries()) {
      await channel.receive(
        channel.message("555", text, { senderId: "555", platformMessageId: `ph${i + 2}` }),
      );
    }
    const ticket = await theRow(t.db, "Ticket", `"chatId" = '555'`);
    const view = await runtime.getTicket(ticket.number);
    expect(view!.attachments.map((a) => a.name)).toEqual(["errore.jpg"]);
    const lines = await runtime.transcript(ticket.number);
    const ref = lines.flatMap((l) => l.attachments ?? []).find((a) => a.name === "errore.jpg")!.ref!;
    const served = await runtime.attachment(ticket.number, ref);
    expect(new TextDecoder().decode(served!.bytes)).toBe("JPEG bytes");
    expect(served!.mime).toBe("image/jpeg");
    expect(await runtime.attachment(ticket.number, "m99-other.jpg")).toBeNull();
    await runtime.stop();
  });
});
