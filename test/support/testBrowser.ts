/** The browser tests' Chromium: the system's (CHROME_PATH, else Debian's package), driven by playwright-core. */
import { type Browser, chromium } from "playwright-core";

const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"];
/** Flags that keep Chromium from calling home while a test runs (the long loops use them). */
export const QUIET_NETWORK_ARGS = [
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Launches headless Chromium with the tests' flags, plus `extraArgs`. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROME_PATH ?? "/usr/bin/chromium",
    args: [...ARGS, ...extraArgs],
  });
}
