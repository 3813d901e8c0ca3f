/**
 * Registers the unknown writer of a chat as an unverified customer: one path for the sign-up
 * questions (`registerCustomer`) and for a hand-over to a person before sign-up finished.
 */
import type { Language } from "../../flows/intents.js";
import type { StoreTx } from "../data/database.js";
import * as store from "../data/supportStore.js";
import type { IntentScope } from "./conversationIntents.js";
import { type Effects, type RuntimeContext, recordEvent } from "./runtimeContext.js";
import type { ChatRef } from "./runtimeTypes.js";

/** What is known of the writer when they are registered. */
export interface NewCustomerFields {
  company: string;
  contactName: string | null;
  phone: string | null;
  email: string | null;
  language: Language;
}

/**
 * Creates the customer (unverified), links the chat's sender to them, makes them the scope's
 * customer and records `customer.registered` with `payload` added. A phone that is already
 * another customer's (the phone is how WhatsApp senders are recognised) is not taken from them:
 * the event says `phoneInUse` and the technician completing the record sees it.
 */
export async function registerUnverifiedCustomer(
  ctx: RuntimeContext,
  tx: StoreTx,
  fx: Effects,
  chat: ChatRef,
  who: IntentScope,
  fields: NewCustomerFields,
  payload: Record<string, unknown>,
): Promise<void> {
  const phoneInUse = fields.phone !== null && (await store.customerIdByPhone(tx, fields.phone)) !== null;
  const customer = await store.createCustomer(tx, {
    ...fields,
    phone: phoneInUse ? null : fields.phone,
    verified: false,
  });
  if (who.senderId) await store.linkIdentity(tx, customer.id, chat.channel, who.senderId);
  who.setCustomerId(customer.id);
  await recordEvent(ctx, tx, fx, {
    ticketId: null,
    ticket: null,
    type: "customer.registered",
    actor: null,
    payload: {
      customerId: customer.id,
      company: customer.company,
      verified: false,
      contactName: customer.contactName,
      phone: customer.phone,
      email: customer.email,
      ...payload,
      ...(phoneInUse ? { phoneInUse: true } : {}),
    },
  });
}
