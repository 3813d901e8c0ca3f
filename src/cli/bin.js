#!/usr/bin/env node
// `npx sportello …`: runs the compiled CLI, rebuilt first if the TypeScript sources changed (./freshBuild.js).
import { runCompiled } from "./freshBuild.js";

await runCompiled("cli");
