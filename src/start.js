#!/usr/bin/env node
// `npm start`: runs the compiled bot (src/main.ts), rebuilt first if the sources changed (./cli/freshBuild.js).
import { runCompiled } from "./cli/freshBuild.js";

await runCompiled("main");
