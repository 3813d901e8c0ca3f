/**
 * How each question type is reached and read. A scene brings a fresh chat to its question by
 * the customer's side alone (a problem description, then button taps: robust to wording and
 * matching changes), and after the typed answer reads what was taken from observable behaviour:
 * the stored draft and context, the ticket, the domain events, the replies' locale keys.
 */
import type { QuestionType } from "./understandingCorpus.js";
import { isReprompt } from "./understandingScore.js";
import type { Chat, Snapshot, Stage, StagePurchase, Turn } from "./understandingStage.js";

/** What the bot took from the answer (null: nothing), and where the answer's text could land. */
export interface Observation {
  taken: string | null;
  /** Sign-up fields stored (identity only). */
  fields?: Record<string, string | null>;
  /** Texts that reached the draft or the ticket (for `rest`). */
  kept: string[];
  /** The feedback comment recorded, if any. */
  comment?: string | null;
}

type Lang = "it" | "en";

/** A scene: which preset, how to reach the question, how to read the answer. */
export interface Scene {
  policy: "leotron" | "leghorn";
  /** Locale keys of the question (one of them is pending when the answer is sent). */
  question: (key: string) => boolean;
  prepare(stage: Stage, lang: Lang): Promise<Chat>;
  observe(stage: Stage, chat: Chat, turn: Turn, snap: Snapshot | null): Promise<Observation>;
}

/** A path through intake: which category to pick and what to type at the free-text questions. */
interface Plan {
  category?: string;
  itemName?: string;
}

const DESCRIPTIONS = {
  usage: {
    it: "Non capisco come si fa il reso nel programma",
    en: "I don't understand how to make a return in the program",
  },
  vague: { it: "Ho bisogno di una mano per una cosa", en: "I need some help with something" },
  device: { it: "Un apparecchio non funziona più", en: "One of our devices stopped working" },
  seal: { it: "Il sigillo elettronico non si chiude più", en: "The electronic seal does not lock anymore" },
  signup: {
    it: "Buongiorno, la stampante non stampa più gli scontrini",
    en: "Hello, our receipt printer stopped printing",
  },
} as const;

const PURCHASES: StagePurchase[] = [
  { item: "PC cassa", date: "2026-06-01", warrantyMonths: 12 },
  { item: "Stampante fiscale Epson", date: "2025-02-10", warrantyMonths: 24 },
  { item: "Monitor touch 15 pollici", date: "2024-11-20", warrantyMonths: 36 },
];
/** The purchases of the `item` scene's customer (the corpus names them). */
export const ITEM_PURCHASES = PURCHASES;

const promptKey = (snap: Snapshot | null) => snap?.context.prompt?.key ?? null;
const draftOf = (snap: Snapshot | null) => snap?.context.draft ?? null;

/**
 * Answers every question on the way with a tap (or a typed name where only text is asked)
 * until `target` is pending. Throws when the chat cannot get there: the scene is broken, not the
 * entry.
 */
async function reach(
  stage: Stage,
  chat: Chat,
  target: (key: string | null, snap: Snapshot | null) => boolean,
  plan: Plan,
): Promise<Snapshot | null> {
  const seen: string[] = [];
  for (let step = 0; step < 10; step++) {
    const snap = await stage.snapshot(chat);
    const key = promptKey(snap);
    if (target(key, snap)) return snap;
    seen.push(String(key));
    const tap = (choice: string) => stage.say(chat, { choice });
    switch (key) {
      case "intake.confirmCategory":
        await tap(!plan.category || draftOf(snap)?.suggested !== plan.category ? "other" : "yes");
        break;
      case "intake.pickCategory":
        if (!plan.category) throw new Error(`no category to pick (after ${seen.join(" → ")})`);
        await tap(plan.category);
        break;
      case "intake.pickItem":
        await tap("item:0");
        break;
      case "intake.askItem":
        await stage.say(chat, plan.itemName ?? "Stampante termica");
        break;
      case "intake.askPurchaseDate":
        await tap("skip");
        break;
      case "intake.askBlocking":
        await tap("can-work");
        break;
      case "intake.askSeriousDamage":
        await tap("not-damaged");
        break;
      case "intake.quote":
      case "intake.quoteWithFree":
      case "intake.quoteNoContract":
      case "intake.quoteCapUsed":
        await tap("accept");
        break;
      case "intake.askSalesRep":
        await stage.say(chat, "Luca Bianchi");
        break;
      default:
        throw new Error(`cannot reach the question: stuck at ${key} (after ${seen.join(" → ")})`);
    }
  }
  throw new Error(`cannot reach the question (after ${seen.join(" → ")})`);
}

/** Texts of the draft, the chat's ticket and what was added to it: where extra text may land. */
async function keptTexts(stage: Stage, chat: Chat, snap: Snapshot | null, turn: Turn): Promise<string[]> {
  const ticket = await stage.ticket(chat);
  const draft = draftOf(snap);
  return [
    typeof draft?.description === "string" ? draft.description : "",
    ticket?.description ?? "",
    ...turn.events.flatMap((e) =>
      e.type === "customer.message" && typeof e.text === "string" ? [e.text] : [],
    ),
  ].filter((t) => t !== "");
}

/** Reads a boolean fact from the draft, else from the chat's ticket. */
async function draftOrTicket(
  stage: Stage,
  chat: Chat,
  snap: Snapshot | null,
  field: "blocking" | "seriousDamage",
): Promise<boolean | null> {
  const draft = draftOf(snap);
  if (draft && typeof draft[field] === "boolean") return draft[field] as boolean;
  const ticket = await stage.ticket(chat);
  if (!ticket) return null;
  if (field === "blocking") return ticket.blocking;
  const damage = ticket.coverage.seriousDamage;
  return typeof damage === "boolean" ? damage : null;
}

const is =
  (...keys: string[]) =>
  (key: string | null) =>
    key !== null && keys.includes(key);

/** Shared known customers with one open ticket (menu: status and "add information" differ). */
const withOpenTicket = new WeakMap<Stage, Partial<Record<Lang, string>>>();

async function customerWithOpenTicket(stage: Stage, lang: Lang): Promise<string> {
  const known = withOpenTicket.get(stage) ?? {};
  if (known[lang]) return known[lang];
  const chat = await stage.newChat({ customer: { language: lang, plans: ["standard"] } });
  await stage.say(chat, DESCRIPTIONS.usage[lang]);
  await reach(stage, chat, (_k, s) => s?.context.draft === null && s.context.prompt === null, {
    category: "software-usage",
  });
  if (!(await stage.ticket(chat))) throw new Error("menu scene: the setup ticket did not open");
  known[lang] = chat.customerId!;
  withOpenTicket.set(stage, known);
  return chat.customerId!;
}

/** A known customer on WhatsApp writes a problem and is brought to the question. */
function intakeScene(
  options: {
    policy: Scene["policy"];
    plans: string[];
    purchases?: StagePurchase[];
    description: keyof typeof DESCRIPTIONS;
    question: string[];
  } & Plan,
): Pick<Scene, "policy" | "question" | "prepare"> {
  const question = is(...options.question);
  return {
    policy: options.policy,
    question: (key) => question(key),
    prepare: async (stage, lang) => {
      const chat = await stage.newChat({
        customer: { language: lang, plans: options.plans, purchases: options.purchases ?? [] },
      });
      await stage.say(chat, DESCRIPTIONS[options.description][lang]);
      await reach(stage, chat, question, options);
      return chat;
    },
  };
}

const bool = (value: boolean | null, yes: string, no: string) => (value === null ? null : value ? yes : no);

/** Every question type's scene. */
export const SCENES: Record<QuestionType, Scene> = {
  blocking: {
    ...intakeScene({
      policy: "leotron",
      plans: ["standard"],
      description: "usage",
      category: "software-usage",
      question: ["intake.askBlocking"],
    }),
    observe: async (stage, chat, turn, snap) => ({
      taken: bool(await draftOrTicket(stage, chat, snap, "blocking"), "blocked", "can-work"),
      kept: await keptTexts(stage, chat, snap, turn),
    }),
  },
  consent: {
    ...intakeScene({
      policy: "leotron",
      plans: [],
      description: "usage",
      category: "software-usage",
      question: ["intake.quote", "intake.quoteWithFree", "intake.quoteNoContract", "intake.quoteCapUsed"],
    }),
    observe: async (stage, chat, turn, snap) => {
      const consent = turn.events.find((e) => e.type === "customer.consent");
      return {
        taken: consent ? (consent.accepted === true ? "accept" : "decline") : null,
        kept: await keptTexts(stage, chat, snap, turn),
      };
    },
  },
  damage: {
    ...intakeScene({
      policy: "leghorn",
      plans: [],
      purchases: [{ item: "Sigillo elettronico ES-200", date: "2026-09-01", warrantyMonths: 12 }],
      description: "seal",
      category: "hardware-repair",
      question: ["intake.askSeriousDamage"],
    }),
    observe: async (stage, chat, turn, snap) => ({
      taken: bool(await draftOrTicket(stage, chat, snap, "seriousDamage"), "damaged", "not-damaged"),
      kept: await keptTexts(stage, chat, snap, turn),
    }),
  },
  rating: {
    policy: "leotron",
    question: is("feedback.askRating"),
    prepare: async (stage, lang) => {
      const chat = await stage.newChat({ customer: { language: lang, plans: ["standard"] } });
      await stage.say(chat, DESCRIPTIONS.usage[lang]);
      await reach(stage, chat, (_k, s) => s?.context.draft === null && s.context.prompt === null, {
        category: "software-usage",
      });
      const ticket = await stage.ticket(chat);
      if (!ticket) throw new Error("rating scene: the ticket did not open");
      await stage.claimAndClose(ticket.number);
      return chat;
    },
    observe: async (_stage, _chat, turn, snap) => {
      const recorded = turn.events.find((e) => e.type === "feedback.recorded");
      const pending = snap?.context.feedback?.rating ?? null;
      const rating = recorded ? Number(recorded.rating) : pending;
      // Leaving the survey for a new problem takes the answer as something else.
      const left =
        rating === null &&
        typeof draftOf(snap)?.description === "string" &&
        draftOf(snap)?.description !== "";
      return {
        taken: rating !== null ? String(rating) : left ? "new-problem" : null,
        kept: [],
        comment: recorded && typeof recorded.comment === "string" ? recorded.comment : null,
      };
    },
  },
  menu: {
    policy: "leotron",
    question: is("menu.prompt"),
    prepare: async (stage, lang) => {
      const customerId = await customerWithOpenTicket(stage, lang);
      const chat = await stage.newChat({ customerId });
      await stage.say(chat, lang === "it" ? "Buongiorno" : "Hello");
      return chat;
    },
    observe: async (stage, chat, turn, snap) => {
      const has = (...keys: string[]) => turn.keys.some((k) => keys.includes(k));
      const draft = draftOf(snap);
      let taken: string | null = null;
      if (has("menu.ticketList", "menu.noTickets")) taken = "status";
      else if (has("menu.addInfoOne", "menu.addInfoPick")) taken = "info";
      else if (has("menu.hoursIntro")) taken = "hours";
      else if (turn.keys.some((k) => /human|person|operator|handoff/i.test(k))) taken = "human";
      else if (promptKey(snap) === "intake.askDescription" || (draft && draft.description !== ""))
        taken = "new";
      // Start again: the menu anew (without "not understood" or a clarifying question), or a
      // reply that says so.
      else if (
        has("common.cancelled", "intake.welcome") ||
        turn.keys.some((k) => /restart|startOver/i.test(k)) ||
        (has("menu.prompt") && !turn.keys.some(isReprompt))
      )
        taken = "restart";
      return { taken, kept: await keptTexts(stage, chat, snap, turn) };
    },
  },
  "category-pick": {
    ...intakeScene({
      policy: "leotron",
      plans: ["j-system"],
      description: "vague",
      question: ["intake.pickCategory"],
    }),
    observe: async (stage, chat, turn, snap) => {
      const category = draftOf(snap)?.category ?? (await stage.ticket(chat))?.category ?? null;
      return {
        taken: typeof category === "string" ? category : null,
        kept: await keptTexts(stage, chat, snap, turn),
      };
    },
  },
  "category-confirm": {
    ...intakeScene({
      policy: "leotron",
      plans: ["j-system"],
      description: "usage",
      category: "software-usage",
      question: ["intake.confirmCategory"],
    }),
    observe: async (stage, chat, turn, snap) => {
      const category = draftOf(snap)?.category ?? (await stage.ticket(chat))?.category ?? null;
      let taken: string | null = null;
      if (category === "software-usage") taken = "yes";
      // "Altro" set directly is not the category list the "other" choice leads to.
      else if (typeof category === "string") taken = `category:${category}`;
      else if (turn.keys.includes("intake.pickCategory") && !turn.keys.includes("common.notUnderstood"))
        taken = "other";
      return { taken, kept: await keptTexts(stage, chat, snap, turn) };
    },
  },
  item: {
    ...intakeScene({
      policy: "leotron",
      plans: ["j-system"],
      purchases: PURCHASES,
      description: "device",
      category: "hardware-repair",
      question: ["intake.pickItem"],
    }),
    observe: async (stage, chat, turn, snap) => {
      const draft = draftOf(snap);
      const item = typeof draft?.item === "string" ? draft.item : null;
      let taken: string | null = null;
      if (item !== null) taken = PURCHASES.some((p) => p.item === item) ? item : "other";
      else if (turn.keys.includes("intake.askItem")) taken = "other";
      return { taken, kept: await keptTexts(stage, chat, snap, turn) };
    },
  },
  date: {
    ...intakeScene({
      policy: "leotron",
      plans: ["j-system"],
      description: "device",
      category: "hardware-repair",
      itemName: "Stampante termica",
      question: ["intake.askPurchaseDate"],
    }),
    observe: async (stage, chat, turn, snap) => {
      const draft = draftOf(snap);
      let taken: string | null = null;
      if (typeof draft?.purchasedOn === "string") taken = draft.purchasedOn;
      else if (draft?.itemAsked === true) taken = "skip";
      return { taken, kept: await keptTexts(stage, chat, snap, turn) };
    },
  },
  identity: {
    policy: "leotron",
    // The sign-up question (today "intake.askCompany"; a combined identity question counts too).
    question: (key) => /^intake\.ask(Company|Identity)/.test(key),
    prepare: async (stage, lang) => {
      const chat = await stage.newChat({ channel: "telegram" });
      await stage.say(chat, DESCRIPTIONS.signup[lang]);
      await reach(stage, chat, (key) => key !== null && /^intake\.ask(Company|Identity)/.test(key), {});
      return chat;
    },
    observe: async (stage, chat, turn, snap) => {
      const customer = await stage.customerOf(chat);
      // Registered: the stored customer. Not yet: what the conversation kept so far.
      const kept = snap?.context.identity ?? null;
      const fields = customer ?? {
        company: kept?.company ?? null,
        contactName: kept?.contactName ?? null,
        phone: kept?.phone ?? null,
        email: kept?.email ?? null,
      };
      const taken = Object.values(fields).some((v) => v) ? "fields" : null;
      return { taken, fields, kept: await keptTexts(stage, chat, snap, turn) };
    },
  },
};
