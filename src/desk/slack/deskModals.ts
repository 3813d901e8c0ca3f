/**
 * The desk's modals (Close, Ask customer, Add note, Authorize) and the reading of their state.
 * Staff-facing wording is English-only constants.
 */
import type { types } from "@slack/bolt";
import type { ChargeView, PackageBilling, TicketView } from "../port.js";
import { safeText, truncate } from "./slackText.js";
import { formatCharge } from "./ticketCard.js";

type View = types.ModalView;

/** Callback ids of the modals and action ids of their live inputs. */
export const MODAL = {
  close: "sportello_close_modal",
  ask: "sportello_ask_modal",
  note: "sportello_note_modal",
  authorize: "sportello_authorize_modal",
  closeMinutesAction: "sportello_close_minutes",
  closePlanAction: "sportello_close_plan",
  closePackageAction: "sportello_close_package",
  closeKmAction: "sportello_close_km",
  closeDaysOvernightAction: "sportello_close_days_overnight",
  closeDaysAction: "sportello_close_days",
} as const;

/** The modal's live inputs: a change re-computes the charge preview. */
export const CLOSE_LIVE_ACTIONS = [
  MODAL.closeMinutesAction,
  MODAL.closePlanAction,
  MODAL.closePackageAction,
  MODAL.closeKmAction,
  MODAL.closeDaysOvernightAction,
  MODAL.closeDaysAction,
] as const;

/** "Hourly time" in the package select. */
const HOURLY = "__hourly__";

/** A package the Close modal offers (key, the preset's label, whether travel is added). */
export interface PackageChoice {
  key: string;
  label: { it: string; en: string };
  travel: boolean;
}

/** Plan choice meaning "keep the coverage decided at intake". */
export const PLAN_AS_INTAKE = "__intake__";

/** What a modal remembers between opening and submission. */
export interface ModalMetadata {
  ticket: string;
  channel?: string;
  ts?: string;
}

export function encodeMetadata(meta: ModalMetadata): string {
  return JSON.stringify(meta);
}

export function decodeMetadata(raw: string | undefined): ModalMetadata | null {
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw) as Partial<ModalMetadata>;
    return typeof parsed.ticket === "string" ? (parsed as ModalMetadata) : null;
  } catch {
    return null;
  }
}

function header(ticket: TicketView): types.KnownBlock {
  return {
    type: "section",
    text: {
      type: "mrkdwn",
      text: `*${ticket.number}* · ${safeText(ticket.customer.company, 120)}\n${safeText(truncate(ticket.description, 280), 300)}`,
      verbatim: true,
    },
  };
}

/** A ticket category the Close modal offers (key and the preset's label). */
export interface CategoryChoice {
  key: string;
  label: { it: string; en: string };
}

/**
 * The Close modal; `charge` is the core's preview for the minutes typed so far. With
 * `categories` the category is a select of the preset's keys (prefilled with the ticket's),
 * otherwise free text.
 */
export function closeModal(
  ticket: TicketView,
  meta: ModalMetadata,
  charge: ChargeView | null | undefined,
  typedMinutes?: number,
  categories?: CategoryChoice[],
  packages: PackageChoice[] = [],
): View {
  const planOptions: types.PlainTextOption[] = [
    { text: { type: "plain_text", text: "As decided at intake" }, value: PLAN_AS_INTAKE },
    ...ticket.customer.plans.map((plan) => ({
      text: { type: "plain_text" as const, text: truncate(`Plan ${plan}`, 75) },
      value: truncate(plan, 150),
    })),
    { text: { type: "plain_text", text: "None (billable)" }, value: "none" },
  ];
  const chargeText =
    charge === undefined
      ? "_Type the minutes spent to see the charge._"
      : charge === null
        ? "_No charge preview for these values._"
        : `*Charge${typedMinutes ? ` for ${typedMinutes} min` : ""}*: ${formatCharge(charge)}`;
  return {
    type: "modal",
    callback_id: MODAL.close,
    private_metadata: encodeMetadata(meta),
    title: { type: "plain_text", text: "Close ticket" },
    submit: { type: "plain_text", text: "Close ticket" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      header(ticket),
      {
        type: "input",
        block_id: "minutes",
        dispatch_action: true,
        label: { type: "plain_text", text: "Minutes spent" },
        element: {
          type: "number_input",
          action_id: MODAL.closeMinutesAction,
          is_decimal_allowed: false,
          min_value: "0",
          dispatch_action_config: { trigger_actions_on: ["on_character_entered", "on_enter_pressed"] },
        },
      },
      {
        type: "input",
        block_id: "resolution",
        label: { type: "plain_text", text: "Resolution (sent to the customer)" },
        element: { type: "plain_text_input", action_id: "resolution", multiline: true, max_length: 2000 },
      },
      categoryInput(ticket, categories),
      {
        type: "input",
        block_id: "plan",
        dispatch_action: true,
        label: { type: "plain_text", text: "Plan / coverage for the charge" },
        element: {
          type: "static_select",
          action_id: MODAL.closePlanAction,
          options: planOptions,
          initial_option: planOptions[0],
        },
      },
      ...packageInputs(packages),
      { type: "section", block_id: "charge", text: { type: "mrkdwn", text: chargeText } },
    ],
  };
}

/** Billing: hourly time or a package, and the travel counts (used by packages with travel). */
function packageInputs(packages: PackageChoice[]): types.InputBlock[] {
  if (packages.length === 0) return [];
  const options: types.PlainTextOption[] = [
    { text: { type: "plain_text", text: "Hourly time (minutes above)" }, value: HOURLY },
    ...packages.map((p) => ({
      text: {
        type: "plain_text" as const,
        text: truncate(`${p.label.en}${p.travel ? " + travel" : ""}`, 75),
      },
      value: truncate(p.key, 150),
    })),
  ];
  const count = (blockId: string, actionId: string, label: string): types.InputBlock => ({
    type: "input",
    block_id: blockId,
    optional: true,
    dispatch_action: true,
    label: { type: "plain_text", text: label },
    element: {
      type: "number_input",
      action_id: actionId,
      is_decimal_allowed: false,
      min_value: "0",
      dispatch_action_config: { trigger_actions_on: ["on_character_entered", "on_enter_pressed"] },
    },
  });
  return [
    {
      type: "input",
      block_id: "package",
      dispatch_action: true,
      label: { type: "plain_text", text: "Billing" },
      element: {
        type: "static_select",
        action_id: MODAL.closePackageAction,
        options,
        initial_option: options[0],
      },
    },
    count("km", MODAL.closeKmAction, "Kilometres (packages with travel)"),
    count("days_overnight", MODAL.closeDaysOvernightAction, "Per-diem days with overnight stay"),
    count("days", MODAL.closeDaysAction, "Per-diem days without overnight stay"),
  ];
}

/** The package billing chosen in the modal, or undefined for hourly time; null when a count is not a whole number. */
export function stateBilling(values: ViewStateValues | undefined): PackageBilling | undefined | null {
  const chosen = values?.package?.[MODAL.closePackageAction]?.selected_option?.value;
  if (!chosen || chosen === HOURLY) return undefined;
  const billing: PackageBilling = { package: chosen };
  const counts = [
    ["km", MODAL.closeKmAction, "km"],
    ["days_overnight", MODAL.closeDaysOvernightAction, "daysOvernight"],
    ["days", MODAL.closeDaysAction, "days"],
  ] as const;
  for (const [blockId, actionId, field] of counts) {
    const raw = stateValue(values, blockId, actionId);
    if (raw === "") continue;
    if (!/^\d{1,6}$/.test(raw)) return null;
    billing[field] = Number(raw);
  }
  return billing;
}

function categoryInput(ticket: TicketView, categories: CategoryChoice[] | undefined): types.InputBlock {
  const label = { type: "plain_text" as const, text: "Category" };
  if (!categories?.length) {
    return {
      type: "input",
      block_id: "category",
      optional: true,
      label,
      element: {
        type: "plain_text_input",
        action_id: "category",
        ...(ticket.category ? { initial_value: ticket.category } : {}),
      },
    };
  }
  // Slack allows at most 100 options, 75 characters of text and 150 of value each.
  const options: types.PlainTextOption[] = categories.slice(0, 100).map((c) => ({
    text: { type: "plain_text", text: truncate(c.label.en || c.key, 75) },
    value: c.key.slice(0, 150),
  }));
  const current = options.find((o) => o.value === ticket.category);
  return {
    type: "input",
    block_id: "category",
    optional: true,
    label,
    element: {
      type: "static_select",
      action_id: "category",
      placeholder: { type: "plain_text", text: "Choose a category" },
      options,
      ...(current ? { initial_option: current } : {}),
    },
  };
}

function textModal(
  callbackId: string,
  title: string,
  label: string,
  submit: string,
  ticket: TicketView,
  meta: ModalMetadata,
): View {
  return {
    type: "modal",
    callback_id: callbackId,
    private_metadata: encodeMetadata(meta),
    title: { type: "plain_text", text: title },
    submit: { type: "plain_text", text: submit },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      header(ticket),
      {
        type: "input",
        block_id: "text",
        label: { type: "plain_text", text: label },
        element: { type: "plain_text_input", action_id: "text", multiline: true, max_length: 3000 },
      },
    ],
  };
}

export function askModal(ticket: TicketView, meta: ModalMetadata): View {
  return textModal(MODAL.ask, "Ask the customer", "Question (sent to the customer)", "Send", ticket, meta);
}

export function noteModal(ticket: TicketView, meta: ModalMetadata): View {
  return textModal(
    MODAL.note,
    "Internal note",
    "Note (never sent to the customer)",
    "Add note",
    ticket,
    meta,
  );
}

export function authorizeModal(ticket: TicketView, meta: ModalMetadata): View {
  const view = textModal(
    MODAL.authorize,
    "Authorize",
    "Sales representative who authorized",
    "Authorize",
    ticket,
    meta,
  );
  const input = view.blocks[1] as types.InputBlock;
  input.element = { type: "plain_text_input", action_id: "text", max_length: 120 };
  return view;
}

/** Loose shape of `view.state.values`. */
export type ViewStateValues = Record<
  string,
  Record<string, { value?: string | null; selected_option?: { value: string } | null }>
>;

/** Reads one text/number input from a view state. */
export function stateValue(values: ViewStateValues | undefined, blockId: string, actionId: string): string {
  return values?.[blockId]?.[actionId]?.value?.trim() ?? "";
}

/** Reads the category, from the select or (older runtimes) the text input; "" when none. */
export function stateCategory(values: ViewStateValues | undefined): string {
  const input = values?.category?.category;
  return (input?.selected_option?.value ?? input?.value ?? "").trim();
}

/** Reads the plan select; `undefined` means "as decided at intake". */
export function statePlan(values: ViewStateValues | undefined): string | undefined {
  const chosen = values?.plan?.[MODAL.closePlanAction]?.selected_option?.value;
  return chosen && chosen !== PLAN_AS_INTAKE ? chosen : undefined;
}

/** Minutes typed in the close modal (a whole number, 0 allowed: the core decides), or null. */
export function parseMinutes(raw: string): number | null {
  return /^\d{1,5}$/.test(raw) ? Number(raw) : null;
}
