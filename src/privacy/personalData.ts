/**
 * A customer's personal data as operations: export (one .tar.gz with `customer.json` and their
 * files), erasure (database, then files) and the retention purge. Used by the CLI and the board.
 */
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import archiver from "archiver";
import {
  collectCustomerData,
  type ErasureSummary,
  eraseCustomerData,
  type PurgeSummary,
  purgeTranscriptsBefore,
  retentionCutoff,
} from "../data/customerPrivacy.js";
import type { Database } from "../data/database.js";
import { deskErasureJobs } from "../runtime/deskNotifications.js";
import { deleteStoredFiles, readStoredFile } from "./storedFiles.js";

/** Name of a file inside the archive: `files/<ref>` with a safe, readable name. */
function archiveName(ref: string, name: string | null): string {
  const safe = (s: string) => s.replace(/[^\w.-]+/g, "_").slice(0, 80);
  const base = safe(ref.replace(/^web-upload:/, "upload-"));
  return `files/${name ? `${base}-${safe(name)}` : base}`;
}

export interface ExportResult {
  file: string;
  code: string;
  tickets: number;
  messages: number;
  files: number;
  /** Files the rows mention that are no longer on disk. */
  missingFiles: number;
}

/**
 * Writes everything held about the customer to `file` (a .tar.gz): `customer.json` (record,
 * identities, conversations, tickets, transcripts, feedback, events, file list) and `files/`.
 * @throws PrivacyError unknown-customer
 */
export async function exportCustomer(
  db: Database,
  dataDir: string,
  code: string,
  file: string,
  now: Date,
): Promise<ExportResult> {
  const data = await collectCustomerData(db, code);
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const archive = archiver("tar", { gzip: true });
  const out = createWriteStream(file);
  const done = new Promise<void>((resolve, reject) => {
    out.on("close", resolve);
    out.on("error", reject);
    archive.on("error", reject);
  });
  archive.pipe(out);
  let missing = 0;
  const files = [];
  for (const f of data.files) {
    const bytes = await readStoredFile(dataDir, f.ref);
    const entry = archiveName(f.ref, f.name);
    if (bytes) archive.append(Buffer.from(bytes), { name: entry, date: now });
    else missing += 1;
    files.push({ ...f, path: bytes ? entry : null });
  }
  const json = { exportedAt: now.toISOString(), ...data, files };
  archive.append(`${JSON.stringify(json, null, 2)}\n`, { name: "customer.json", date: now });
  await archive.finalize();
  await done;
  return {
    file,
    code: String(data.customer.code),
    tickets: data.tickets.length,
    messages: data.messages.length,
    files: data.files.length - missing,
    missingFiles: missing,
  };
}

/**
 * Erases the customer's personal data, then their files; desks that posted about their tickets
 * are told (durable jobs, run by the running service) to remove it. @throws PrivacyError
 * unknown-customer
 */
export async function eraseCustomer(
  db: Database,
  dataDir: string,
  code: string,
  audit: { actor: string; at: Date },
): Promise<Omit<ErasureSummary, "files"> & { files: number }> {
  const summary = await eraseCustomerData(db, code, audit, (tickets) => deskErasureJobs(tickets, audit.at));
  const files = await deleteStoredFiles(
    dataDir,
    summary.files.map((f) => f.ref),
  );
  return { ...summary, files };
}

/** Purges transcripts and files older than `months` months. @throws PrivacyError invalid-input */
export async function purgeRetention(
  db: Database,
  dataDir: string,
  months: number,
  now: Date,
): Promise<Omit<PurgeSummary, "files"> & { files: number }> {
  const summary = await purgeTranscriptsBefore(db, retentionCutoff(now, months));
  const files = await deleteStoredFiles(
    dataDir,
    summary.files.map((f) => f.ref),
  );
  return { ...summary, files };
}
