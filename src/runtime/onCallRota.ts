/** The on-call rota for desks: listing shifts and adding one (technicians only). */
import * as store from "../data/supportStore.js";
import type { OnCallShiftView, StaffActionResult, TechnicianRef } from "../desk/port.js";
import type { RuntimeContext } from "./runtimeContext.js";

type Shift = Awaited<ReturnType<typeof store.addShift>>;

function toShiftView(s: Shift): OnCallShiftView {
  return {
    id: s.id,
    technician: { id: s.technician.id, name: s.technician.name, identities: s.technician.identities },
    startsAt: s.startsAt.toISOString(),
    endsAt: s.endsAt.toISOString(),
  };
}

/** Reads and changes the on-call rota. */
export class OnCallRota {
  constructor(private readonly ctx: RuntimeContext) {}

  /** Shifts overlapping [from, to), earliest first. */
  listOnCall = async (from: Date, to: Date): Promise<OnCallShiftView[]> =>
    (await store.listShifts(this.ctx.db, from, to)).map(toShiftView);

  /** Adds a shift; only an active technician may, for an active technician, ending after it starts. */
  setOnCall = async (
    by: TechnicianRef,
    shift: { technician: TechnicianRef; startsAt: Date; endsAt: Date },
  ): Promise<StaffActionResult | { ok: true; shift: OnCallShiftView }> => {
    const db = this.ctx.db;
    const actor = await store.findTechnician(db, by);
    if (!actor) return { ok: false, code: "not-technician", message: "only technicians can change the rota" };
    const target = await store.findTechnician(db, shift.technician);
    if (!target) return { ok: false, code: "invalid-input", message: "unknown technician" };
    if (!(shift.endsAt > shift.startsAt))
      return { ok: false, code: "invalid-input", message: "a shift must end after it starts" };
    const s = await store.addShift(db, {
      technicianId: target.id,
      startsAt: shift.startsAt,
      endsAt: shift.endsAt,
    });
    return { ok: true, shift: toShiftView(s) };
  };
}
