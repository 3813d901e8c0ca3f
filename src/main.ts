/**
 * `npm start`: the bot. With no settings at all it runs on SQLite (./data/sportello.db) with the
 * web chat and the staff board on http://127.0.0.1:3000; channels and desks turn on with their
 * environment variables (see .env.example).
 */
import { existsSync } from "node:fs";
import { startApp } from "./app/startApp.js";
import { StartupError } from "./app/startupError.js";
import { type Config, loadConfig } from "./config/env.js";
import { DatabaseError } from "./data/database.js";
import { createLogger } from "./observability/logger.js";
import { PolicyError } from "./policy/loadPolicy.js";

// Settings may come from a .env file (copy .env.example); real environment variables win.
if (existsSync(".env")) process.loadEnvFile(".env");

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  process.stderr.write(`sportello: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
const logger = createLogger(config.logs);

// A stray rejection inside a platform library (whatsapp-web.js has some) is logged, never fatal.
process.on("unhandledRejection", (reason) => logger.error({ err: reason }, "unhandled rejection"));

try {
  const app = await startApp(config, logger);
  const lines = [
    "",
    `sportello is running for ${app.policy.company} (policy ${app.policy.id})`,
    `  customer web chat:  ${app.url}/`,
    `  staff board:        ${app.url}/staff`,
    `  health / metrics:   ${app.url}/health  ${app.url}/metrics`,
    `  embed on a website: <script src="${app.url}/widget.js"></script>`,
    "",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    await app.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
} catch (error) {
  // One line with what to do; the details (stack, cause) only at debug level.
  logger.debug({ err: error }, "start-up failed");
  const known =
    error instanceof PolicyError || error instanceof DatabaseError || error instanceof StartupError;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    `sportello: ${known ? message : `failed to start: ${message.split("\n")[0]} (LOG_LEVEL=debug shows details)`}\n`,
  );
  process.exit(1);
}
