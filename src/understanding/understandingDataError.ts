/** The error of the understanding layer's data files (`locales/understanding/*.yaml`), shared by its loaders. */
import { CodedError } from "../errors.js";

/** Codes of the understanding layer: its data files are read and validated at start-up. */
export type UnderstandingErrorCode = "understanding-data-invalid";

/** A data file is missing or wrong; the message names the file and the entry. */
export class UnderstandingDataError extends CodedError<UnderstandingErrorCode> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("understanding-data-invalid", message, options);
  }
}
