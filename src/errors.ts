/**
 * The base of sportello's errors that callers act on: a stable `code` (modelled on bolt-js's
 * `CodedError`), typed per module with a union of that module's codes. Messages are for people
 * and may change; codes are what HTTP answers, desks, the CLI and logs rely on.
 */

/** An error with a stable machine-readable code; `C` is the union of its module's codes. */
export class CodedError<C extends string = string> extends Error {
  readonly code: C;
  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** True for any {@link CodedError} (whatever its module). */
export function isCodedError(error: unknown): error is CodedError {
  return error instanceof CodedError;
}
