/** An in-memory media store for tests: the files the board sends to customers, by reference. */
import type { MediaStore } from "../../src/runtime/runtimeTypes.js";

export function memoryMediaStore(): MediaStore {
  const media = new Map<string, Uint8Array>();
  return {
    put: async (bytes, name) => {
      const ref = `${media.size}-${name}`;
      media.set(ref, bytes);
      return ref;
    },
    get: async (ref) => media.get(ref) ?? new Uint8Array(),
  };
}
