/**
 * The SQL of pages and their attempts (`pagerStore.ts`), compiled once when this module loads.
 */
import type { AttemptRow, PageRow } from "./pagerStore.js";
import { qb, statement } from "./schema/queryBuilder.js";

/** Pages (who is being paged about what, how far the escalation went) and their attempts. */
export const pageSql = {
  insert: statement<{
    id: string;
    subject: PageRow["subject"];
    ticket: string | null;
    text: string;
    createdAt: string;
  }>((p) =>
    qb.insertInto("Page").values({
      id: p.id,
      subject: p.subject,
      ticket: p.ticket,
      text: p.text,
      status: "open",
      step: 0,
      createdAt: p.createdAt,
    }),
  ),
  byId: statement<{ id: string }>((p) => qb.selectFrom("Page").selectAll().where("id", "=", p.id)),
  openOfTicket: statement<{ ticket: string }>((p) =>
    qb
      .selectFrom("Page")
      .selectAll()
      .where("ticket", "=", p.ticket)
      .where("status", "=", "open")
      .orderBy("createdAt", "desc")
      .limit(1),
  ),
  outageLock: statement<{ key: string }>((p) =>
    qb.selectNoFrom((eb) =>
      eb.fn("pg_advisory_xact_lock", [eb.fn("hashtextextended", [eb.val(p.key), eb.lit(0)])]).as("locked"),
    ),
  ),
  open: statement((_p) =>
    qb.selectFrom("Page").selectAll().where("status", "=", "open").orderBy("createdAt"),
  ),
  ofTicket: statement<{ ticket: string }>((p) =>
    qb.selectFrom("Page").selectAll().where("ticket", "=", p.ticket).orderBy("createdAt", "desc"),
  ),
  newest: statement<{ limit: number }>((p) =>
    qb.selectFrom("Page").selectAll().orderBy("createdAt", "desc").limit(p.limit),
  ),
  advance: statement<{ id: string; from: number; to: number }>((p) =>
    qb
      .updateTable("Page")
      .set({ step: p.to })
      .where("id", "=", p.id)
      .where("step", "=", p.from)
      .where("status", "=", "open"),
  ),
  end: statement<{
    id: string;
    status: Exclude<PageRow["status"], "open">;
    by: string | null;
    via: string | null;
    at: string | null;
  }>((p) =>
    qb
      .updateTable("Page")
      .set({ status: p.status, ackedBy: p.by, ackedVia: p.via, ackedAt: p.at })
      .where("id", "=", p.id)
      .where("status", "=", "open"),
  ),
  insertAttempt: statement<Omit<AttemptRow, "at"> & { at: string }>((p) =>
    qb.insertInto("PageAttempt").values({
      id: p.id,
      pageId: p.pageId,
      step: p.step,
      technicianId: p.technicianId,
      technician: p.technician,
      kind: p.kind,
      address: p.address,
      outcome: p.outcome,
      error: p.error,
      ref: p.ref,
      at: p.at,
    }),
  ),
  attemptsOf: statement<{ pageId: string }>((p) =>
    qb.selectFrom("PageAttempt").selectAll().where("pageId", "=", p.pageId).orderBy("at").orderBy("step"),
  ),
  attemptByRef: statement<{ ref: string }>((p) =>
    qb.selectFrom("PageAttempt").selectAll().where("ref", "=", p.ref).limit(1),
  ),
  openReaching: statement<{ technicianId: string }>((p) =>
    qb
      .selectFrom("Page as p")
      .innerJoin("PageAttempt as a", "a.pageId", "p.id")
      .selectAll("p")
      .where("a.technicianId", "=", p.technicianId)
      .where("p.status", "=", "open")
      .orderBy("a.at", "desc")
      .limit(1),
  ),
};
