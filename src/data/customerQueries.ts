/**
 * Look-ups of the staff board's history: search by ticket number, company, phone, e-mail or
 * text, a customer's page (record, plans, purchases, tickets), and admins' edits of plans and
 * purchases, audited as `customer.updated` events.
 */
import { z } from "zod";
import type { DomainEventName } from "../../flows/domainEvents.js";
import type { Database } from "./database.js";
import { parseJson, toJson } from "./json.js";

const stringArray = z.array(z.string());

export interface CustomerSummary {
  code: string;
  company: string;
  contactName: string | null;
  phone: string | null;
  email: string | null;
}

export interface TicketSummary {
  number: string;
  status: string;
  category: string | null;
  company: string;
  customerCode: string;
  createdAt: string;
  closedAt: string | null;
  minutes: number | null;
  grossCents: number | null;
  description: string;
}

export interface SearchResult {
  customers: CustomerSummary[];
  tickets: TicketSummary[];
}

const LIMIT = 25;

/** Case-insensitive "contains" on both providers (SQLite's LIKE already ignores ASCII case). */
function contains(db: Database, value: string) {
  return db.provider === "postgres"
    ? ({ contains: value, mode: "insensitive" } as unknown as { contains: string })
    : { contains: value };
}

type TicketWithCustomer = {
  number: string;
  status: string;
  category: string | null;
  createdAt: Date;
  closedAt: Date | null;
  minutes: number | null;
  chargeGrossCents: number | null;
  description: string;
  customer: { code: string; company: string };
};

function ticketSummary(t: TicketWithCustomer): TicketSummary {
  return {
    number: t.number,
    status: t.status,
    category: t.category,
    company: t.customer.company,
    customerCode: t.customer.code,
    createdAt: t.createdAt.toISOString(),
    closedAt: t.closedAt?.toISOString() ?? null,
    minutes: t.minutes,
    grossCents: t.chargeGrossCents,
    description: t.description.slice(0, 200),
  };
}

const ticketSelect = {
  number: true,
  status: true,
  category: true,
  createdAt: true,
  closedAt: true,
  minutes: true,
  chargeGrossCents: true,
  description: true,
  customer: { select: { code: true, company: true } },
} as const;

/**
 * Customers and tickets matching `query`: a ticket number (exact or partial), a customer code,
 * company, contact, e-mail, phone (digits, any spacing) or a text in a ticket or its transcript.
 */
export async function searchSupport(db: Database, query: string): Promise<SearchResult> {
  const q = query.trim().slice(0, 100);
  if (q.length < 2) return { customers: [], tickets: [] };
  const p = db.prisma;
  const digits = q.replace(/\D/g, "");
  const customerRows = await p.customer.findMany({
    where: {
      OR: [
        { code: q.toUpperCase() },
        { company: contains(db, q) },
        { contactName: contains(db, q) },
        { email: contains(db, q) },
        ...(digits.length >= 5 ? [{ phone: { contains: digits } }] : []),
      ],
    },
    orderBy: { company: "asc" },
    take: LIMIT,
  });
  const messageHits = await p.message.findMany({
    where: { text: contains(db, q), ticketId: { not: null } },
    select: { ticketId: true },
    orderBy: { at: "desc" },
    take: 200,
  });
  const ticketRows = await p.ticket.findMany({
    where: {
      OR: [
        { number: contains(db, q) },
        { description: contains(db, q) },
        { resolution: contains(db, q) },
        { id: { in: [...new Set(messageHits.map((m) => m.ticketId!))] } },
        { customerId: { in: customerRows.map((c) => c.id) } },
      ],
    },
    select: ticketSelect,
    orderBy: { createdAt: "desc" },
    take: LIMIT,
  });
  return {
    customers: customerRows.map((c) => ({
      code: c.code,
      company: c.company,
      contactName: c.contactName,
      phone: c.phone,
      email: c.email,
    })),
    tickets: ticketRows.map(ticketSummary),
  };
}

export interface CustomerHistory {
  code: string;
  company: string;
  contactName: string | null;
  phone: string | null;
  email: string | null;
  language: string;
  plans: string[];
  salesRep: string | null;
  verified: boolean;
  createdAt: string;
  purchases: { item: string; purchasedOn: string; warrantyMonths: number }[];
  identities: { channel: string; externalId: string }[];
  tickets: TicketSummary[];
}

/** A customer's page: record, plans, purchases, identities and every ticket (newest first). */
export async function customerHistory(db: Database, code: string): Promise<CustomerHistory | null> {
  const c = await db.prisma.customer.findUnique({
    where: { code: code.trim().toUpperCase() },
    include: { purchases: { orderBy: { purchasedOn: "asc" } }, identities: true },
  });
  if (!c) return null;
  const tickets = await db.prisma.ticket.findMany({
    where: { customerId: c.id },
    select: ticketSelect,
    orderBy: { createdAt: "desc" },
    take: 500,
  });
  return {
    code: c.code,
    company: c.company,
    contactName: c.contactName,
    phone: c.phone,
    email: c.email,
    language: c.language,
    plans: parseJson(stringArray, c.plans, []),
    salesRep: c.salesRep,
    verified: c.verified,
    createdAt: c.createdAt.toISOString(),
    purchases: c.purchases.map((x) => ({
      item: x.item,
      purchasedOn: x.purchasedOn,
      warrantyMonths: x.warrantyMonths,
    })),
    identities: c.identities.map((i) => ({ channel: i.channel, externalId: i.externalId })),
    tickets: tickets.map(ticketSummary),
  };
}

/**
 * Replaces a customer's plans and/or purchases (already validated against the preset) and
 * records a `customer.updated` event with what changed and who changed it. False when the
 * customer does not exist.
 */
export async function updateCustomerContract(
  db: Database,
  code: string,
  change: { plans?: string[]; purchases?: { item: string; purchasedOn: string; warrantyMonths: number }[] },
  audit: { actor: string; at: Date },
): Promise<boolean> {
  return db.prisma.$transaction(async (tx) => {
    const c = await tx.customer.findUnique({
      where: { code: code.trim().toUpperCase() },
      include: { purchases: true },
    });
    if (!c) return false;
    const before = {
      plans: parseJson(stringArray, c.plans, []),
      purchases: c.purchases.map((x) => ({
        item: x.item,
        purchasedOn: x.purchasedOn,
        warrantyMonths: x.warrantyMonths,
      })),
    };
    if (change.plans)
      await tx.customer.update({ where: { id: c.id }, data: { plans: toJson(change.plans) } });
    if (change.purchases) {
      await tx.hardwarePurchase.deleteMany({ where: { customerId: c.id } });
      for (const x of change.purchases)
        await tx.hardwarePurchase.create({ data: { ...x, customerId: c.id } });
    }
    await tx.ticketEvent.create({
      data: {
        ticketId: null,
        type: "customer.updated" satisfies DomainEventName,
        actor: audit.actor,
        payload: toJson({
          customerId: c.id,
          code: c.code,
          before,
          after: { plans: change.plans ?? before.plans, purchases: change.purchases ?? before.purchases },
        }),
        at: audit.at,
      },
    });
    return true;
  });
}

/** A change of a customer's contact details by staff (fields absent stay as they are). */
export interface ContactChange {
  company?: string;
  contactName?: string | null;
  /** E.164, already normalised. */
  phone?: string | null;
  /** Lower case, already checked. */
  email?: string | null;
  verified?: boolean;
}

const CONTACT_FIELDS = ["company", "contactName", "phone", "email", "verified"] as const;

/**
 * Sets a customer's company, contact name, phone, e-mail and/or verified flag and records a
 * `customer.updated` event with the fields before and after and who changed them.
 * `phone-taken` when the number is another customer's (the phone recognises WhatsApp senders).
 */
export async function updateCustomerContact(
  db: Database,
  code: string,
  change: ContactChange,
  audit: { actor: string; at: Date },
): Promise<"updated" | "unknown-customer" | "phone-taken"> {
  try {
    return await db.prisma.$transaction(async (tx) => {
      const c = await tx.customer.findUnique({ where: { code: code.trim().toUpperCase() } });
      if (!c) return "unknown-customer" as const;
      if (change.phone) {
        const owner = await tx.customer.findUnique({ where: { phone: change.phone }, select: { id: true } });
        if (owner && owner.id !== c.id) return "phone-taken" as const;
      }
      const fields = CONTACT_FIELDS.filter((k) => change[k] !== undefined);
      const before = Object.fromEntries(fields.map((k) => [k, c[k]]));
      const after = Object.fromEntries(fields.map((k) => [k, change[k]]));
      await tx.customer.update({ where: { id: c.id }, data: after });
      await tx.ticketEvent.create({
        data: {
          ticketId: null,
          type: "customer.updated" satisfies DomainEventName,
          actor: audit.actor,
          payload: toJson({ customerId: c.id, code: c.code, before, after }),
          at: audit.at,
        },
      });
      return "updated" as const;
    });
  } catch (error) {
    // Another customer took the number between the check and the update.
    if ((error as { code?: string }).code === "P2002") return "phone-taken";
    throw error;
  }
}
