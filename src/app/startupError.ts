/**
 * Start-up problems the operator can fix: each becomes one line saying what is wrong and what to
 * do, and the process exits non-zero (never a stack trace, never half started).
 */
import { constants } from "node:fs";
import { access, mkdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CodedError } from "../errors.js";

export type StartupErrorCode = "port-in-use" | "port-denied" | "bad-address" | "data-dir" | "database";

/** A start-up failure with a stable code and the one line to print. */
export class StartupError extends CodedError<StartupErrorCode> {}

/** Checks that the data folder is a folder this process can write to, creating it if needed. */
export async function checkDataDir(dir: string, variable = "SPORTELLO_DATA_DIR"): Promise<void> {
  const fix = `set ${variable} to a writable folder or fix its permissions`;
  try {
    const info = await stat(dir).catch(() => null);
    if (info && !info.isDirectory()) {
      throw new StartupError("data-dir", `data folder ${dir} is a file, not a folder: ${fix}`);
    }
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
    // access() is not enough on read-only mounts: write and delete a probe file.
    const probe = join(dir, `.write-test-${process.pid}`);
    await writeFile(probe, "");
    await rm(probe, { force: true });
  } catch (error) {
    if (error instanceof StartupError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new StartupError("data-dir", `data folder ${dir} is not usable (${code}): ${fix}`, {
      cause: error,
    });
  }
}

/** Turns a listen() failure into a {@link StartupError}; other errors pass through. */
export function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE") {
    return new StartupError(
      "port-in-use",
      `port ${port} on ${host} is already in use: stop the other process or set PORT to a free port`,
      { cause: error },
    );
  }
  if (code === "EACCES") {
    return new StartupError(
      "port-denied",
      `not allowed to listen on port ${port}: use a port above 1023 (PORT=3000) or a reverse proxy`,
      { cause: error },
    );
  }
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") {
    return new StartupError(
      "bad-address",
      `cannot listen on ${host}: set HOST to an address of this machine (127.0.0.1 or 0.0.0.0)`,
      {
        cause: error,
      },
    );
  }
  return error;
}
