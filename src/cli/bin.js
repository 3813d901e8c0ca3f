#!/usr/bin/env node
// `npx sportello …`: sportello runs its TypeScript sources directly through tsx (no build step).
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
