/** Entry point of the `sportello` command line; commands are registered in ./program.ts. */
import { existsSync } from "node:fs";
import { runCli } from "./program.js";

// The bot's own settings: a .env in the current folder, as `npm start` reads it (real variables
// win), so `sportello staff add` and `npm start` use the same database, PUBLIC_URL and PORT.
if (existsSync(".env")) process.loadEnvFile(".env");

// exitCode rather than process.exit: output is flushed and long-running commands keep the
// process alive on their own until their action resolves.
process.exitCode = await runCli(process.argv.slice(2));
// Once the command is done, a handle a library left open (a stuck connection) must not keep the
// terminal waiting: the process ends at the latest 2 s later.
setTimeout(() => process.exit(), 2_000).unref();
