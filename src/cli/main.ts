/** Entry point of the `sportello` command line; commands are registered in ./program.ts. */
import { runCli } from "./program.js";

// exitCode rather than process.exit: long-running commands keep the process alive on their own.
process.exitCode = await runCli(process.argv.slice(2));
