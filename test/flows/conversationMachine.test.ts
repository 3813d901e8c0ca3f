/**
 * Pure tests of the conversation machine with XState's transition(): no database, no runtime.
 * The intents are the action objects transition() returns.
 */
import { describe, expect, it } from "vitest";
import { initialTransition, transition } from "xstate";
import {
  type ConversationEvent,
  createConversationMachine,
  MAX_DESCRIPTION_CHARS,
} from "../../flows/conversationMachine.js";
import type { InboundFacts } from "../../flows/intents.js";
import { serviceRouting } from "../../flows/serviceRouting.js";
import { matchChoice, parseCustomerDate } from "../../flows/textMatchers.js";
import { availability } from "../../src/policy/calendar.js";
import { loadPolicy } from "../../src/policy/loadPolicy.js";
import { verifiedCustomer } from "../support/flowFacts.js";

const leotron = loadPolicy("leotron");
const machine = createConversationMachine(leotron);
const customer = verifiedCustomer;
const facts = (over: Partial<InboundFacts> = {}): InboundFacts => ({
  customer,
  openTickets: [],
  language: "it",
  aiEnabled: false,
  ...over,
});
const inbound = (
  text: string,
  at = "2027-03-30T10:00:00+02:00",
  over: Partial<InboundFacts> = {},
): ConversationEvent => ({
  type: "inbound",
  at: new Date(at).toISOString(),
  text,
  attachments: [],
  facts: facts(over),
});

function run(events: ConversationEvent[]) {
  let [snapshot] = initialTransition(machine, { language: "it", now: "2027-03-30T08:00:00.000Z" });
  const intents: { type: string; params: Record<string, unknown> }[] = [];
  for (const event of events) {
    const [next, actions] = transition(machine, snapshot, event);
    snapshot = next;
    for (const a of actions) {
      const params = a.params as Record<string, unknown>;
      const type: string = a.type;
      // Named actors (triage, transcribe) show up as spawnChild actions with their input.
      if (type === "xstate.spawnChild")
        intents.push({ type: String(params.src), params: params.input as Record<string, unknown> });
      else if (type !== "rememberPrompt" && type !== "xstate.stopChild") intents.push({ type, params });
    }
  }
  return { snapshot, intents, replies: intents.filter((i) => i.type === "reply").map((i) => i.params.key) };
}

describe("conversation machine (pure)", () => {
  it("a greeting gets the welcome and the menu; a problem written directly skips the menu", () => {
    expect(run([inbound("Buongiorno")]).replies).toEqual(["intake.welcome", "menu.prompt"]);
    const direct = run([inbound("La stampante non stampa gli scontrini")]);
    expect(direct.snapshot.value).toBe("triaging");
    expect(direct.intents).toContainEqual({
      type: "triage",
      params: { text: "La stampante non stampa gli scontrini" },
    });
  });

  it("asks an unknown customer for company and contact, then registers them unverified", () => {
    const { intents, snapshot } = run([
      inbound("Il PC non si accende più da stamattina", undefined, { customer: null }),
      inbound("Bar Roma", undefined, { customer: null }),
      inbound("Giovanni, 333 1234567", undefined, { customer: null }),
    ]);
    expect(intents).toContainEqual({
      type: "registerCustomer",
      params: {
        company: "Bar Roma",
        contactName: "Giovanni",
        phone: "+393331234567",
        email: null,
        language: "it",
        missing: [],
      },
    });
    // The problem written first is not lost: triage runs on it right after identification.
    expect(intents).toContainEqual({
      type: "triage",
      params: { text: "Il PC non si accende più da stamattina" },
    });
    expect(snapshot.value).toBe("triaging");
  });

  it("takes the company and the fault from one line at the company question", () => {
    const unknown = { customer: null };
    const { intents, replies } = run([
      inbound("Buongiorno", undefined, unknown),
      inbound("Bar Roma, la cassa non va più", undefined, unknown),
      inbound("Giovanni, 333 1234567", undefined, unknown),
    ]);
    expect(replies.slice(0, 4)).toEqual([
      "intake.welcomeUnknown",
      "intake.askCompany",
      "intake.problemNoted",
      "intake.askContact",
    ]);
    expect(intents).toContainEqual(
      expect.objectContaining({
        type: "registerCustomer",
        params: expect.objectContaining({ company: "Bar Roma", contactName: "Giovanni" }),
      }),
    );
    expect(intents).toContainEqual({ type: "triage", params: { text: "la cassa non va più" } });
  });

  it("asks no sign-up question more than three times, then registers what is known and says a technician completes it", () => {
    const unknown = { customer: null };
    const { intents, replies } = run([
      inbound("Il PC non si accende più da stamattina", undefined, unknown),
      inbound("boh", undefined, unknown),
      inbound("??", undefined, unknown),
      inbound(
        "non lo so, il computer non si accende e non capisco cosa devo fare adesso",
        undefined,
        unknown,
      ),
      inbound("Luca", undefined, unknown),
      inbound("luca.verdi@example.com", undefined, unknown),
    ]);
    const asked = (key: string) => replies.filter((r) => r === key).length;
    expect(asked("intake.askCompany") + asked("intake.askCompanyAgain")).toBe(3);
    // After three tries the company is left to a technician; the name is asked (with a way to
    // reach them, the chat gives none), and the e-mail address answers the rest.
    expect(replies).toContain("intake.askContact");
    expect(replies).toContain("intake.identityIncomplete");
    expect(replies).not.toContain("intake.thanksIdentified");
    expect(intents).toContainEqual({
      type: "registerCustomer",
      params: {
        company: "",
        contactName: "Luca",
        phone: null,
        email: "luca.verdi@example.com",
        language: "it",
        missing: ["company"],
      },
    });
  });

  it("keeps a problem described at a sign-up question as the problem, not as the company or the name, and asks again", () => {
    const unknown = { customer: null };
    const { intents, replies, snapshot } = run([
      inbound("ciao", undefined, unknown),
      inbound("la stampante non stampa più gli scontrini, sono fermo", undefined, unknown),
    ]);
    expect(replies.slice(-3)).toEqual(["intake.askCompany", "intake.problemNoted", "intake.askCompanyAgain"]);
    expect(snapshot.context.identity.company).toBeNull();
    expect(snapshot.context.identity.contactName ?? null).toBeNull();
    expect(snapshot.context.draft?.description).toContain("la stampante non stampa più gli scontrini");
    const named = run([
      inbound("ciao", undefined, unknown),
      inbound("my printer isn't printing and I'm stuck", undefined, unknown),
      inbound("Bar Roma", undefined, unknown),
      inbound("Anna Neri: the till doesn't work either", undefined, unknown),
    ]);
    expect(named.snapshot.context.identity.company).toBe("Bar Roma");
    // The name before the fault is the answer; the fault after it is the problem's.
    expect(named.snapshot.context.identity.contactName).toBe("Anna Neri");
    expect(named.replies.filter((r) => r === "intake.problemNoted")).toHaveLength(2);
    expect(named.snapshot.context.draft?.description).toContain("the till doesn't work either");
    // A company or a name with a fault word but no sentence is still a company.
    const company = run([
      inbound("ciao", undefined, unknown),
      inbound("Errore Zero srl", undefined, unknown),
    ]);
    expect(company.snapshot.context.identity).toMatchObject({ company: "Errore Zero srl" });
    expect(intents.some((i) => i.type === "registerCustomer")).toBe(false);
  });

  it("serves a request made at a sign-up question, then asks it again without counting it as an answer", () => {
    const unknown = { customer: null };
    const { replies, snapshot } = run([
      inbound("Il PC non si accende più", undefined, unknown),
      inbound("a che ora aprite?", undefined, unknown),
    ]);
    expect(replies.slice(-1)).toEqual(["intake.askCompany"]);
    expect(replies).toContain("menu.hoursIntro");
    expect(snapshot.context.identity).toMatchObject({ company: null, asked: { company: 1 } });
  });

  it("keeps the WhatsApp number and the e-mail sender's address as the way to reach the customer", () => {
    const onWhatsApp = run([
      inbound("Buongiorno", undefined, { customer: null, senderPhone: "+393471112233" }),
      inbound("Bar Roma - Mario Rossi", undefined, { customer: null, senderPhone: "+393471112233" }),
    ]);
    expect(onWhatsApp.intents).toContainEqual({
      type: "registerCustomer",
      params: {
        company: "Bar Roma",
        contactName: "Mario Rossi",
        phone: "+393471112233",
        email: null,
        language: "it",
        missing: [],
      },
    });
    const byMail = { customer: null, oneReply: true, senderEmail: "anna@ottica.example" };
    const mail = run([
      inbound("Il computer della cassa non si accende", undefined, byMail),
      inbound("Ottica Nuova\nAnna Neri", undefined, byMail),
    ]);
    expect(mail.replies).toEqual([
      "intake.welcomeUnknown",
      "intake.askCompanyAndContact",
      "intake.thanksIdentified",
    ]);
    expect(mail.intents).toContainEqual(
      expect.objectContaining({
        type: "registerCustomer",
        params: expect.objectContaining({ email: "anna@ottica.example", contactName: "Anna Neri" }),
      }),
    );
  });

  it("keeps at most MAX_DESCRIPTION_CHARS of a huge message on the ticket", () => {
    const huge = `La cassa non funziona. ${"x".repeat(50_000)}`;
    const { intents } = run([
      inbound(huge),
      { type: "xstate.done.actor.triage", output: { category: "software-usage" } },
      inbound("sì"),
      inbound("1"),
    ]);
    const open = intents.find((i) => i.type === "openTicket");
    expect(open).toBeDefined();
    const draft = open!.params.draft as { description: string };
    expect(draft.description.length).toBe(MAX_DESCRIPTION_CHARS);
  });

  it('never reads a number typed at a question as a request ("3" is not "talk to a person")', () => {
    const atBlocking = run([
      inbound("La stampante non stampa gli scontrini"),
      { type: "xstate.done.actor.triage", output: { category: "peripheral-setup" } },
      inbound("sì"),
      inbound("4"),
    ]);
    // Nor a category by its place in a list not on the screen ("3" at "is that right?").
    const atConfirm = run([
      inbound("La stampante non stampa gli scontrini"),
      { type: "xstate.done.actor.triage", output: { category: "peripheral-setup" } },
      inbound("3"),
    ]);
    expect(atConfirm.replies.slice(-2)).toEqual(["common.notUnderstood", "intake.confirmCategory"]);
    expect(atConfirm.snapshot.context.draft?.category).toBeNull();
    // Two options on screen: "4" is not understood (and asked again), not a hand-over.
    expect(atBlocking.replies.slice(-2)).toEqual(["common.notUnderstood", "intake.askBlocking"]);
    expect(atBlocking.snapshot.value).toBe("blocking");
    const atCompany = run([
      inbound("Buongiorno", undefined, { customer: null }),
      inbound("1", undefined, { customer: null }),
    ]);
    expect(atCompany.replies).not.toContain("menu.noTickets");
    expect(atCompany.replies.at(-1)).toBe("intake.askCompanyAgain");
  });

  it("re-prompts unknown answers instead of staying silent, and 'annulla' drops the draft", () => {
    const { replies, snapshot } = run([
      inbound("La stampante non stampa gli scontrini"),
      { type: "xstate.done.actor.triage", output: { category: "peripheral-setup" } },
      inbound("forse, non so"),
      inbound("qwerty"),
      inbound("annulla"),
    ]);
    expect(replies).toEqual([
      "intake.confirmCategory",
      // Unsure: one clarifying question naming the options.
      "understanding.clarify",
      // Not understood again: a hint (never the same line twice in a row) and the question.
      "understanding.pickHint",
      "intake.confirmCategory",
      "common.cancelled",
    ]);
    expect(snapshot.value).toBe("idle");
    expect(snapshot.context.draft).toBeNull();
  });

  it("offers the weekend-only category only while a level serving it runs, to customers it serves", () => {
    const weekday = run([
      inbound("Problema strano con il gestionale"),
      { type: "xstate.done.actor.triage", output: { category: "weekend-blocking" } },
    ]);
    expect(weekday.snapshot.value).toBe("categoryPick");
    expect(weekday.snapshot.context.choices).not.toContain("weekend-blocking");
    const saturday = run([
      inbound("Problema strano con il gestionale", "2027-03-27T10:00:00+01:00", {
        customer: { ...customer, plans: ["standard", "j-system"] },
      }),
      { type: "xstate.done.actor.triage", output: { category: "weekend-blocking" } },
    ]);
    expect(saturday.snapshot.value).toBe("categoryConfirm");
    // A standard customer has no weekend service: not offered on Saturday either.
    const standardSaturday = run([
      inbound("Problema strano con il gestionale", "2027-03-27T10:00:00+01:00"),
      { type: "xstate.done.actor.triage", output: { category: "weekend-blocking" } },
    ]);
    expect(standardSaturday.snapshot.value).toBe("categoryPick");
    expect(standardSaturday.snapshot.context.choices).not.toContain("weekend-blocking");
    expect(standardSaturday.snapshot.context.choices).not.toContain("operator-error");
  });

  it("answers a short question about the open request instead of adding it to the ticket", () => {
    const tickets = {
      openTickets: [{ number: "LT-2027-00001", status: "open", category: "peripheral-setup" }],
    };
    const { intents, replies, snapshot } = run([
      inbound("La stampante non stampa gli scontrini"),
      { type: "xstate.done.actor.triage", output: { category: "peripheral-setup" } },
      inbound("sì"),
      inbound("1"),
      { type: "ticket.opened", number: "LT-2027-00001", status: "open", at: "2027-03-30T08:01:00.000Z" },
      inbound("a che punto è la mia richiesta?", undefined, tickets),
      inbound("a che ora chiudete oggi?", undefined, tickets),
      inbound("la stampante adesso fa anche un rumore strano", undefined, tickets),
    ]);
    expect(snapshot.value).toBe("waiting");
    const after = replies.slice(replies.lastIndexOf("menu.ticketList"));
    expect(after[0]).toBe("menu.ticketList");
    expect(after).toContain("menu.hoursIntro");
    expect(after.at(-1)).toBe("relay.addedToTicket");
    // Only the message that tells something more goes to the ticket.
    expect(intents.filter((i) => i.type === "appendToTicket").map((i) => i.params.text)).toEqual([
      "la stampante adesso fa anche un rumore strano",
    ]);
  });

  it("stays quiet in relay and leaves it with 'menu'", () => {
    const { intents, snapshot } = run([
      inbound("La stampante non stampa gli scontrini"),
      { type: "xstate.done.actor.triage", output: { category: "peripheral-setup" } },
      inbound("sì"),
      inbound("1"),
      { type: "ticket.opened", number: "LT-2027-00001", status: "open", at: "2027-03-30T08:01:00.000Z" },
      {
        type: "ticket.claimed",
        number: "LT-2027-00001",
        technician: "marco",
        at: "2027-03-30T08:02:00.000Z",
      },
      inbound("ecco la foto del problema"),
    ]);
    expect(snapshot.value).toBe("relay");
    expect(intents.at(-1)).toEqual({
      type: "appendToTicket",
      params: { number: "LT-2027-00001", text: "ecco la foto del problema", attachments: [] },
    });
    const left = run([
      {
        type: "ticket.claimed",
        number: "LT-2027-00001",
        technician: "marco",
        at: "2027-03-30T08:02:00.000Z",
      },
      inbound("menu"),
    ]);
    expect(left.snapshot.value).toBe("menu");
  });
});

describe("weekend routing and answer matching (pure)", () => {
  const saturday = new Date("2027-03-27T10:00:00+01:00");
  it("pages only for a blocking problem the open service level serves", () => {
    const jsystem = { plans: ["j-system"], category: "software-usage" };
    const kind = (at: Date, audience: Parameters<typeof serviceRouting>[2]) =>
      serviceRouting(leotron, at, audience).kind;
    expect(kind(saturday, { ...jsystem, blocking: true })).toBe("page-on-call");
    expect(kind(saturday, { ...jsystem, blocking: false })).toBe("not-served");
    expect(kind(saturday, { plans: ["standard"], category: "software-usage", blocking: true })).toBe(
      "own-hours",
    );
    expect(kind(new Date("2027-03-30T10:00:00+02:00"), { ...jsystem, blocking: true })).toBe("own-hours");
    // A standard customer on Saturday: Easter Sunday and Monday closed → Tuesday 9:00 (after the DST change).
    const standard = availability(leotron, saturday, { plans: ["standard"], category: "software-usage" });
    expect(standard.open).toBe(false);
    expect(standard.nextOpenAt?.toISOString()).toBe("2027-03-30T07:00:00.000Z");
  });

  it("understands numbers, synonyms and label words; dates in common formats", () => {
    expect(matchChoice("2", ["yes", "other"])).toBe("other");
    expect(matchChoice("Sì!", ["yes", "other"])).toBe("yes");
    expect(matchChoice("nuovo problema", ["new", "status", "info", "hours"])).toBe("new");
    expect(
      matchChoice("No, grazie", ["accept", "decline"], { accept: "Accetto", decline: "No, grazie" }),
    ).toBe("decline");
    expect(matchChoice("7", ["yes", "other"])).toBeUndefined();
    // Choice ids are preset data: one named like an Object.prototype member is just a word.
    expect(matchChoice("native code", ["constructor", "toString"])).toBeUndefined();
    expect(parseCustomerDate("15/03/2026", "Europe/Rome")).toBe("2026-03-15");
    expect(parseCustomerDate("2026-03-15", "Europe/Rome")).toBe("2026-03-15");
    // English customers (en-US browsers too): month names, and month-first only when unambiguous.
    expect(parseCustomerDate("7 January 2027", "Europe/Rome")).toBe("2027-01-07");
    expect(parseCustomerDate("January 7, 2027", "Europe/Rome")).toBe("2027-01-07");
    expect(parseCustomerDate("3 marzo 2026", "Europe/Rome")).toBe("2026-03-03");
    expect(parseCustomerDate("3/15/2026", "Europe/Rome")).toBe("2026-03-15");
    expect(parseCustomerDate("4/3/2026", "Europe/Rome")).toBe("2026-03-04");
    expect(parseCustomerDate("03/2026", "Europe/Rome")).toBe("2026-03-01");
    expect(parseCustomerDate("ieri", "Europe/Rome")).toBeNull();
  });
});

describe("conversation machine: hand-over to a person", () => {
  const at = "2027-03-30T08:05:00.000Z";
  const handover: ConversationEvent = { type: "handover", reason: "loop" };
  const opened: ConversationEvent = { type: "ticket.opened", number: "LT-2027-00009", status: "open", at };

  it("opens a ticket to classify, tells the customer once, then forwards quietly until a technician replies", () => {
    const entered = run([inbound("Buongiorno"), inbound("boh"), handover]);
    expect(entered.snapshot.value).toEqual({ handover: "opening" });
    const intent = entered.intents.find((i) => i.type === "handOver")!;
    expect(intent.params).toMatchObject({
      number: null,
      reason: "loop",
      prompt: "menu.prompt",
      text: "boh",
      company: null,
      draft: { category: null, status: "open", description: "boh", pageOnCall: false },
    });
    const told = run([inbound("Buongiorno"), inbound("boh"), handover, opened]);
    expect(told.snapshot.value).toEqual({ handover: "open" });
    expect(told.replies.slice(-1)).toEqual(["handover.started"]);
    expect(told.snapshot.context.ticket).toBe("LT-2027-00009");
    const quiet = run([
      inbound("Buongiorno"),
      inbound("boh"),
      handover,
      opened,
      inbound("ancora boh"),
      handover,
    ]);
    expect(quiet.replies.filter((r) => r === "handover.started")).toHaveLength(1);
    expect(quiet.intents.filter((i) => i.type === "handOver")).toHaveLength(1);
    expect(quiet.intents.at(-1)).toMatchObject({
      type: "appendToTicket",
      params: { number: "LT-2027-00009", text: "ancora boh" },
    });
    const replied = run([
      inbound("Buongiorno"),
      handover,
      opened,
      { type: "ticket.replied", number: "LT-2027-00009", technician: "Giulia", at },
    ]);
    expect(replied.snapshot.value).toBe("relay");
    expect(replied.snapshot.context.handover).toBeNull();
  });

  it("uses the ticket the chat follows; 'ricomincia' or 'menu' ends the hand-over", () => {
    const onTicket = run([
      inbound("Buongiorno", undefined, {
        openTickets: [{ number: "LT-2027-00003", status: "open", category: "software-usage" }],
      }),
      handover,
    ]);
    expect(onTicket.snapshot.value).toEqual({ handover: "open" });
    expect(onTicket.intents.find((i) => i.type === "handOver")?.params).toMatchObject({
      number: "LT-2027-00003",
      draft: null,
    });
    expect(onTicket.replies.at(-1)).toBe("handover.started");
    for (const word of ["ricomincia", "menu"]) {
      const back = run([inbound("Buongiorno"), handover, opened, inbound(word)]);
      expect(back.snapshot.value).toBe("menu");
      expect(back.snapshot.context.handover).toBeNull();
    }
  });

  it("an unknown customer is handed over with the company they gave", () => {
    const unknown = { customer: null };
    const { intents } = run([
      inbound("Il PC non si accende più da stamattina", undefined, unknown),
      inbound("Ferramenta Neri", undefined, unknown),
      handover,
    ]);
    expect(intents.find((i) => i.type === "handOver")?.params).toMatchObject({
      number: null,
      company: "Ferramenta Neri",
      draft: { description: "Il PC non si accende più da stamattina", category: null },
    });
  });
});

describe("feedback after a close (pure)", () => {
  const closed: ConversationEvent = {
    type: "ticket.closed",
    number: "LT-2027-00007",
    resolution: "stampante configurata",
    charge: null,
    at: "2027-03-30T09:00:00.000Z",
  };
  const tapped = (choice: string): ConversationEvent => ({ ...inbound(choice), choice }) as ConversationEvent;

  it("keeps the tapped stars when the comment that follows reads like a rating", () => {
    const { intents } = run([closed, tapped("5"), inbound("Gentilissimi e veloci")]);
    expect(intents).toContainEqual({
      type: "recordFeedback",
      params: { number: "LT-2027-00007", rating: 5, comment: "Gentilissimi e veloci" },
    });
  });

  it("a rating and a comment in one message keep both", () => {
    const { intents } = run([closed, inbound("ottimo servizio, 5")]);
    expect(intents).toContainEqual({
      type: "recordFeedback",
      params: { number: "LT-2027-00007", rating: 5, comment: "ottimo servizio" },
    });
  });
});
