/** Where "now" comes from. Pure code never reads the system clock; the runtime asks a Clock. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to: stories, tests and the benchmark use it. */
export class SimulatedClock implements Clock {
  private current: number;
  constructor(start: Date | string) {
    this.current = new Date(start).getTime();
    if (Number.isNaN(this.current))
      throw new Error(`SimulatedClock: invalid start instant "${String(start)}"`);
  }
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): Date {
    this.current += ms;
    return this.now();
  }
  set(to: Date | string): Date {
    const next = new Date(to).getTime();
    if (next < this.current) throw new Error("SimulatedClock: time cannot go backwards");
    this.current = next;
    return this.now();
  }
}
