/**
 * The shape of a support-policy preset (`policies/*.yaml`). Every company-specific rule lives in
 * the preset as data; the engine (calendar, coverage, charge) only interprets this schema.
 */
import { IANAZone } from "luxon";
import { z } from "zod";
import { checkPolicyReferences } from "./policyReferences.js";

/** Weekday keys in ISO order (index + 1 = luxon weekday). */
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type WeekdayKey = (typeof WEEKDAYS)[number];

const TIME_PATTERN = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;

/** Minutes after local midnight of a validated "HH:MM" string. */
export function minutesOfTime(time: string): number {
  const [h, m] = time.split(":");
  return Number(h) * 60 + Number(m);
}

const Key = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, {
  error: "expected a lowercase kebab-case key such as software-usage",
});

const Text = z.string().trim().min(1, { error: "expected a non-empty text" });

/** A text in both supported languages. */
export const LocalizedSchema = z.strictObject({ it: Text, en: Text });
export type Localized = z.infer<typeof LocalizedSchema>;

const Time = z.string().regex(TIME_PATTERN, { error: 'expected a time "HH:MM" between 00:00 and 24:00' });

/** Opening ranges of one day, [start, end) in local wall time, sorted and not overlapping. */
const Ranges = z.array(z.tuple([Time, Time])).superRefine((ranges, ctx) => {
  let previousEnd = -1;
  ranges.forEach(([start, end], i) => {
    // A malformed time is already reported by the element schema.
    if (!TIME_PATTERN.test(start) || !TIME_PATTERN.test(end)) return;
    const s = minutesOfTime(start);
    const e = minutesOfTime(end);
    if (s >= e) {
      ctx.addIssue({
        code: "custom",
        path: [i],
        message: `expected the range to start before it ends (${start}–${end})`,
      });
    } else if (s < previousEnd) {
      ctx.addIssue({
        code: "custom",
        path: [i, 0],
        message: `overlapping ranges: expected ${start} to be at or after the end of the previous range`,
      });
    }
    previousEnd = Math.max(previousEnd, e);
  });
});

const Days = z.array(z.enum(WEEKDAYS)).refine((days) => new Set(days).size === days.length, {
  error: "expected each day at most once",
});

/** Who a service level serves; each list omitted (null) means "any". */
const Serves = z.strictObject({
  /** Plan keys whose customers it serves; null = every customer, also one without a plan. */
  plans: z.array(Key).nullable().default(null),
  /** Categories it handles; null = every category. */
  categories: z.array(Key).nullable().default(null),
  /** Only problems that stop the customer's work. */
  requiresBlocking: z.boolean().default(false),
});
export type ServesRule = z.infer<typeof Serves>;

/**
 * A service level: when the team works (days and ranges, or the holidays that name it) and whom
 * it serves. The calendar, the flows and the desks read levels by key; none is special.
 */
const ServiceLevel = z.strictObject({
  key: Key,
  /** How customers call it: "l'assistenza del fine settimana" / "weekend service". */
  label: LocalizedSchema,
  /** Whom it is for, told to customers it does not serve ("blocking problems of J-System customers"). */
  audience: LocalizedSchema.nullable().default(null),
  days: Days.default([]),
  ranges: Ranges,
  /** Per-day override of `ranges` (e.g. Sunday morning only). */
  byDay: z.partialRecord(z.enum(WEEKDAYS), Ranges).default({}),
  /** Runs on the holidays whose `service` names this level, instead of that day's usual level. */
  holidays: z.boolean().default(false),
  serves: Serves.default({ plans: null, categories: null, requiresBlocking: false }),
  /** Tickets it serves page the on-call technician (the level runs outside office hours). */
  pageOnCall: z.boolean().default(false),
  /**
   * A ticket this level serves, opened while it is closed and next handled by it (Friday evening →
   * Saturday 09:00, the lunch gap → 14:30), pages the on-call technician when it opens (needs
   * `pageOnCall`).
   */
  pageWhenOpens: z.boolean().default(false),
});

const HolidayRule = z
  .string()
  .regex(/^(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])|easter(?: [+-]?\d{1,2})?)$/, {
    error: 'expected a holiday rule "MM-DD" or "easter" / "easter N" (days after Easter Sunday)',
  })
  .refine((rule) => !/^(?:02-3[01]|(?:04|06|09|11)-31)$/.test(rule), {
    error: "expected a date that exists",
  });

/** "closed", or the key of a service level marked `holidays: true` that runs that day. */
const HolidayService = z.union([z.literal("closed"), Key]);

const Holidays = z.strictObject({
  /** Imports a country's holidays from the date-holidays library. */
  calendar: z
    .strictObject({
      country: z.string().regex(/^[A-Z]{2}$/, { error: "expected an ISO 3166 country code such as IT" }),
      types: z.array(z.enum(["public", "bank", "school", "optional", "observance"])).min(1),
      service: HolidayService.default("closed"),
    })
    .nullable()
    .default(null),
  /** Explicit holidays (rules computed by date-holidays); they win over imported ones on the same date. */
  days: z.array(z.strictObject({ key: Key, rule: HolidayRule, service: HolidayService })).default([]),
});

const Category = z.strictObject({
  key: Key,
  label: LocalizedSchema,
  /** An item and its purchase date matter (warranty). */
  hardware: z.boolean().default(false),
  /** The category is by definition a blocking problem (offered only while a level serving it runs). */
  blocking: z.boolean().default(false),
  /** Customers may pick it; false = an internal category technicians set at close. */
  customerChoice: z.boolean().default(true),
  keywords: z
    .strictObject({ it: z.array(Text).default([]), en: z.array(Text).default([]) })
    .default({ it: [], en: [] }),
});

const PositiveMinutes = z.number().int({ error: "expected whole minutes" }).positive();

const Plan = z.strictObject({
  key: Key,
  /** contract: the customer subscribes to it; warranty: applies to any purchase still in warranty. */
  kind: z.enum(["contract", "warranty"]),
  label: LocalizedSchema,
  covers: z.array(Key),
  capMinutesPerIntervention: PositiveMinutes.nullable().default(null),
  capMinutesPerMonth: PositiveMinutes.nullable().default(null),
  warranty: z
    .strictObject({
      standardMonths: PositiveMinutes,
      maxMonths: PositiveMinutes,
      extensionMonths: z.array(PositiveMinutes).default([]),
      excludes: z.array(LocalizedSchema).default([]),
      seriousDamageReturn: z
        .strictObject({
          place: Text,
          customerShipsAtOwnCost: z.boolean(),
          shippingRefundedIfDefect: z.boolean(),
        })
        .nullable()
        .default(null),
    })
    .nullable()
    .default(null),
  notes: z.array(LocalizedSchema).default([]),
  /**
   * What the plan does not cover, told to the customer where it applies (at a close under the
   * plan, in the staff's close preview): for the listed categories, or every category (null).
   */
  exclusions: z
    .array(z.strictObject({ categories: z.array(Key).nullable().default(null), text: LocalizedSchema }))
    .default([]),
});

/** How work was done (doc 002: "telefonicamente, in remoto, oppure presso la nostra sede"; on site). */
export const WORK_MODES = ["phone", "remote", "office", "onsite"] as const;
export type WorkMode = (typeof WORK_MODES)[number];

const Cents = z.number().int({ error: "expected integer cents" }).nonnegative();

const Charges = z.strictObject({
  currency: z.string().regex(/^[A-Z]{3}$/, { error: "expected an ISO 4217 currency code such as EUR" }),
  hourlyCents: Cents,
  vatPercent: z.number().min(0).max(100),
  minimumMinutes: z.number().int().nonnegative(),
  incrementMinutes: PositiveMinutes,
  freeMinutes: z.number().int().nonnegative(),
  /** Fixed-price packages billed instead of hourly time (net cents, VAT added). */
  packages: z
    .array(
      z.strictObject({
        key: Key,
        /** Other names accepted for the key (e.g. on-site-day for onsite-day). */
        aliases: z.array(Key).default([]),
        cents: Cents,
        label: LocalizedSchema,
        /** Travel expenses (kilometres, per-diem days) are added to it. */
        travel: z.boolean().default(false),
      }),
    )
    .default([]),
  /**
   * How a reopened ticket is charged at its next close: `separate` (each close is an intervention
   * of its own, charged on its own minutes) or `sum` (one intervention: the charge of all the
   * ticket's minutes together, minus what earlier closes already charged).
   */
  reopened: z.enum(["separate", "sum"]).default("separate"),
  /** The ways of working a close may record (subset of phone, remote, office, onsite). */
  workModes: z
    .array(z.enum(WORK_MODES))
    .min(1)
    .default([...WORK_MODES]),
  /** Travel expenses of packages with `travel: true`. */
  travel: z
    .strictObject({ kmCents: Cents, perDiemOvernightCents: Cents, perDiemCents: Cents })
    .nullable()
    .default(null),
});

/** A Twilio number that rings a phone line (E.164). */
const PhoneNumber = z.string().regex(/^\+[1-9]\d{6,14}$/, {
  error: "expected the number in international form, such as +390452525658",
});

/**
 * A phone contact that sportello answers through Twilio (its webhooks are
 * `/twilio/voice/incoming` on the number): `voicemail` records a message that becomes a ticket;
 * `on-call` connects the callers the contact's level serves to the on-call technician's phone
 * (then the next person, then the voicemail), and tells the others when `tellOpeningOf` opens.
 */
const PhoneLine = z.strictObject({
  number: PhoneNumber,
  answers: z.enum(["voicemail", "on-call"]),
  /** Seconds each technician's phone rings before the next one (on-call). */
  ringSeconds: z.number().int().min(5).max(120).default(20),
  /** The level whose next opening callers this line does not serve are told (on-call). */
  tellOpeningOf: Key.nullable().default(null),
  /** The longest voicemail, in seconds. */
  maxMessageSeconds: z.number().int().min(10).max(600).default(180),
});

const Contact = z.strictObject({
  key: Key,
  kind: z.enum(["phone", "whatsapp", "email", "web-form", "software", "payment", "telegram"]),
  label: LocalizedSchema,
  /** Phone number as printed by the company, e-mail address, URL or software menu path. */
  value: z.string().nullable(),
  /** "always", or the key of the service level it belongs to (e.g. the weekend line). */
  when: z.union([z.literal("always"), Key]).default("always"),
  voicemail: z.boolean().default(false),
  /** The company asks for written messages rather than voice notes. */
  preferText: z.boolean().default(false),
  notes: z.array(LocalizedSchema).default([]),
  /** The phone line behind this contact when Twilio answers it; null: only printed. */
  line: PhoneLine.nullable().default(null),
});

const OptionalNumber = z.number().int().positive().nullable();

/**
 * An approved WhatsApp message template (Business Platform) and the outbound messages it carries
 * outside the 24-hour customer-service window: `kinds` are the messages' locale keys, a trailing
 * `*` matching every key that starts with the rest. The template's one body parameter is the
 * message's text in the customer's language (the same locale text sent inside the window).
 */
const WhatsAppTemplate = z.strictObject({
  name: z.string().regex(/^[a-z0-9_]{1,512}$/, { error: "expected a template name: a–z, 0–9 and _" }),
  /** The language code each template translation was approved under. */
  languages: z.strictObject({ it: z.string().min(2), en: z.string().min(2) }),
  kinds: z.array(z.string().min(1)).min(1),
});

/** sportello's own templates (README "WhatsApp Business Platform"): used when a preset names none. */
export const DEFAULT_WHATSAPP_TEMPLATES = [
  {
    name: "sportello_update",
    languages: { it: "it", en: "en" },
    kinds: [
      "relay.*",
      "feedback.closed*",
      "intake.authorized*",
      "intake.repDeclined",
      "service.paged*",
      "availability.callbackWithin",
      "handover.started",
    ],
  },
  { name: "sportello_feedback", languages: { it: "it", en: "en" }, kinds: ["feedback.askRating"] },
];

/** The preset's fields; {@link PolicySchema} adds the checks across them. */
const PolicyFields = z.strictObject({
  id: Key,
  company: Text,
  /** Seed documents the preset encodes. */
  sources: z.array(Text).default([]),
  /** Rules not stated in the sources, chosen by us: edit them to your reality. */
  assumptions: z.array(Text).default([]),
  timezone: z.string().refine((zone) => IANAZone.isValidZone(zone), {
    error: "expected an IANA time zone such as Europe/Rome",
  }),
  defaultLanguage: z.enum(["it", "en"]),
  ticketPrefix: z.string().regex(/^[A-Z]{2,4}$/, { error: "expected 2–4 uppercase letters such as LT" }),
  serviceLevels: z.array(ServiceLevel).min(1),
  holidays: Holidays,
  categories: z.array(Category).min(1),
  plans: z.array(Plan),
  charges: Charges,
  contacts: z.array(Contact),
  intake: z.strictObject({
    requireSalesRepAuthorization: z.boolean(),
    backupReminder: z.boolean(),
    askBlocking: z.boolean(),
  }),
  sla: z.strictObject({
    callbackWithinHours: OptionalNumber,
    escalateUnclaimedAfterServiceMinutes: z.number().int().positive(),
    pageRepeatMinutes: z.number().int().positive(),
    pageMaxRepeats: z.number().int().nonnegative(),
  }),
  conversation: z.strictObject({
    idleResetMinutes: z.number().int().positive(),
    /**
     * Safety nets against loops (sportello's own limits, not the company's): past them the chat is
     * handed to a person (the conversation's `handover` state) and the bot stops answering.
     */
    loopGuard: z
      .strictObject({
        /** Bot messages in a row without a customer answer that moves the conversation on. */
        botMessagesWithoutProgress: z.number().int().positive().default(6),
        /** Automatic e-mails in one thread without a human answer (a new, non-automatic text). */
        mailsPerThreadWithoutHuman: z.number().int().positive().default(3),
        /** Automatic e-mails to one sender address per hour, all threads together. */
        mailsPerSenderPerHour: z.number().int().positive().default(10),
      })
      .default({ botMessagesWithoutProgress: 6, mailsPerThreadWithoutHuman: 3, mailsPerSenderPerHour: 10 }),
  }),
  feedback: z.strictObject({
    enabled: z.boolean(),
    formUrl: z.url().optional(),
    /** After every close, a summary by e-mail (with the feedback link) to customers with an address. */
    emailSummary: z.boolean().default(false),
  }),
  /** WhatsApp Business Platform templates for messages outside the 24-hour window. */
  whatsappTemplates: z.array(WhatsAppTemplate).default(DEFAULT_WHATSAPP_TEMPLATES),
});

/** A preset: its fields, then the rules across them ({@link checkPolicyReferences}). */
export const PolicySchema = PolicyFields.superRefine(checkPolicyReferences);

/** A validated preset (defaults applied). */
export type Policy = z.infer<typeof PolicyFields>;
export type PolicyInput = z.input<typeof PolicySchema>;
export type PolicyPlan = Policy["plans"][number];
export type PolicyCategory = Policy["categories"][number];
export type PolicyContact = Policy["contacts"][number];
export type PolicyPhoneLine = NonNullable<PolicyContact["line"]>;
export type PolicyServiceLevel = Policy["serviceLevels"][number];
export type PolicyPackage = Policy["charges"]["packages"][number];
