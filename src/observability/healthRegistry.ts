/**
 * What `/health` reports: each component (the database, every channel and desk, the
 * notification connection) reports into this registry when its state changes, and the endpoint
 * answers `degraded` (503) while any of them is in error, with the reason per component.
 */

/** One component's state. */
export type ComponentHealth =
  | { status: "ok"; detail?: string; since: string }
  | { status: "error"; reason: string; since: string };

/** The registry the runtime, channels and desks report into. */
export interface HealthRegistry {
  /** The component works (again). */
  ok(component: string, detail?: string): void;
  /** The component is in error, and why (one line, for operators). */
  error(component: string, reason: string): void;
  /** Forgets a component (turned off). */
  remove(component: string): void;
  /** Every component's state. */
  snapshot(): Record<string, ComponentHealth>;
  /** True when no component is in error. */
  healthy(): boolean;
}

/** Creates an empty registry; `now` stamps state changes. */
export function createHealthRegistry(now: () => Date = () => new Date()): HealthRegistry {
  const components = new Map<string, ComponentHealth>();
  return {
    ok(component, detail) {
      const current = components.get(component);
      if (current?.status === "ok" && current.detail === detail) return;
      components.set(component, {
        status: "ok",
        ...(detail ? { detail } : {}),
        since: current?.status === "ok" ? current.since : now().toISOString(),
      });
    },
    error(component, reason) {
      const current = components.get(component);
      components.set(component, {
        status: "error",
        reason: reason.slice(0, 500),
        since: current?.status === "error" ? current.since : now().toISOString(),
      });
    },
    remove(component) {
      components.delete(component);
    },
    snapshot() {
      return Object.fromEntries(components);
    },
    healthy() {
      for (const c of components.values()) if (c.status === "error") return false;
      return true;
    },
  };
}
