/**
 * Presets by id, for reading stored tickets: each ticket remembers the preset it was opened
 * under, and reports read it with that preset (the one in use, or a bundled one by name).
 */
import { listPresets, loadPolicy, PolicyError } from "./loadPolicy.js";
import type { Policy } from "./schema.js";

/** A lookup `id → Policy`: the given presets first, then bundled presets, loaded once. */
export function policyResolver(known: Policy[] = []): (id: string) => Policy {
  const cache = new Map(known.map((p) => [p.id, p]));
  return (id) => {
    const cached = cache.get(id);
    if (cached) return cached;
    if (!listPresets().includes(id)) {
      throw new PolicyError(
        "unknown-preset",
        `tickets were opened under preset "${id}", which is not bundled: pass it with --policy <path>`,
        null,
      );
    }
    const policy = loadPolicy(id);
    cache.set(id, policy);
    return policy;
  };
}
