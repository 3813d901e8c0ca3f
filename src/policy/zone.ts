/**
 * Time zones for luxon with a memo of their UTC offsets. luxon asks an IANA zone for its offset
 * on every DateTime it builds or shifts (`startOf`, `plus`, `fromObject`…), each time through
 * `Intl.DateTimeFormat#formatToParts` — the policy engine and the renderer do that many times
 * per message. The answers are the same as luxon's own: only the lookup is memoised.
 */
import { IANAZone, Info, type Zone } from "luxon";

/**
 * Offsets are memoised per aligned quarter of an hour that has ONE offset throughout. luxon reads
 * an offset to the second; a quarter whose first and last second have the same offset is taken
 * as uniform (no zone changes its offset twice within 15 minutes), any other is never memoised.
 * Modern transitions fall on quarter-hour boundaries, so only odd historical ones (local mean
 * time) meet a mixed quarter.
 */
const QUARTER_MS = 15 * 60_000;
/** Quarters remembered per zone before the memo starts over (~10 years of quarters is 350k). */
const QUARTERS_KEPT = 20_000;
/** Marks a quarter whose offset changes inside it. */
const MIXED = null;

/** An IANA zone whose offsets are memoised; everything else is luxon's `IANAZone`. */
class MemoIanaZone extends IANAZone {
  private readonly quarters = new Map<number, number | typeof MIXED>();

  override offset(ts: number): number {
    const quarter = Math.floor(ts / QUARTER_MS);
    let known = this.quarters.get(quarter);
    if (known === undefined) {
      if (!Number.isFinite(quarter)) return super.offset(ts);
      const start = quarter * QUARTER_MS;
      const first = super.offset(start);
      // NaN (outside the Date range) never equals itself: such a quarter is never memoised.
      known = first === super.offset(start + QUARTER_MS - 1000) ? first : MIXED;
      if (this.quarters.size >= QUARTERS_KEPT) this.quarters.clear();
      this.quarters.set(quarter, known);
    }
    return known === MIXED ? super.offset(ts) : known;
  }
}

const zones = new Map<string, Zone>();

/**
 * The luxon zone for a zone name, as luxon itself would take the string (`"UTC"` stays luxon's
 * fixed UTC zone, `"+01:00"` a fixed offset), with memoised offsets for IANA zones. Pass it as
 * `{ zone }` where the policy's `timezone` string was passed: the results are identical.
 */
export function zoneNamed(name: string): Zone {
  let zone = zones.get(name);
  if (!zone) {
    const plain = Info.normalizeZone(name);
    zone = plain instanceof IANAZone && plain.isValid ? new MemoIanaZone(name) : plain;
    zones.set(name, zone);
  }
  return zone;
}
