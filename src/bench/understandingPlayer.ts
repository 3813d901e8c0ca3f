/**
 * Plays the understanding corpus through the real runtime: for each entry a fresh chat is brought
 * to its question (see understandingScenes), the typed answer is sent, and the outcome read from
 * what the bot did. One database and runtime per preset serve every entry, each on its own chat.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, migrate, openDatabase } from "../data/database.js";
import type { TypedEntry } from "./understandingCorpus.js";
import { SCENES } from "./understandingScenes.js";
import { type EntryResult, outcomeOf } from "./understandingScore.js";
import { Stage } from "./understandingStage.js";

/** A Tuesday at 10:00 in Rome: every preset's regular hours, no holiday. */
export const PLAY_AT = "2027-03-30T10:00:00+02:00";

/** A migrated database and how to remove it. */
export interface PlayDatabase {
  db: Database;
  drop(): Promise<void>;
}

/** A temporary SQLite database (the default). */
export async function temporarySqlite(): Promise<PlayDatabase> {
  const dir = mkdtempSync(join(tmpdir(), "sportello-understanding-"));
  const db = await openDatabase(`file:${join(dir, "understanding.db")}`);
  await migrate(db);
  return {
    db,
    drop: async () => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Plays every entry; entries whose scene cannot be reached are reported with their error. */
export async function playCorpus(
  entries: TypedEntry[],
  options: { database?: () => Promise<PlayDatabase> } = {},
): Promise<EntryResult[]> {
  const database = options.database ?? temporarySqlite;
  const results: EntryResult[] = [];
  const policies = [...new Set(entries.map((e) => SCENES[e.type].policy))];
  for (const policy of policies) {
    const { db, drop } = await database();
    const stage = new Stage(db, policy, PLAY_AT);
    await stage.start();
    try {
      for (const entry of entries.filter((e) => SCENES[e.type].policy === policy)) {
        results.push(await playEntry(stage, entry));
      }
    } finally {
      await stage.stop();
      await drop();
    }
  }
  // Back in corpus order.
  const order = new Map(entries.map((e, i) => [e.where, i]));
  return results.sort((a, b) => order.get(a.where)! - order.get(b.where)!);
}

async function playEntry(stage: Stage, entry: TypedEntry): Promise<EntryResult> {
  const scene = SCENES[entry.type];
  const base = {
    type: entry.type,
    lang: entry.lang,
    where: entry.where,
    text: entry.text,
    expect: entry.expect,
  };
  try {
    const chat = await scene.prepare(stage, entry.lang);
    await stage.settle(chat);
    const prompt = (await stage.snapshot(chat))?.context.prompt;
    const pending = prompt?.key ?? "";
    if (!scene.question(pending))
      throw new Error(`the question is not pending (prompt: ${pending || "none"})`);
    const turn = await stage.say(chat, entry.text);
    const snap = await stage.snapshot(chat);
    const seen = await scene.observe(stage, chat, turn, snap);
    return {
      ...base,
      outcome: outcomeOf(
        entry,
        seen,
        turn.keys,
        scene.question,
        (prompt?.choices ?? []).map((c) => c.id),
      ),
      taken: seen.taken,
      ...(seen.fields ? { fields: seen.fields } : {}),
      ...(seen.comment !== undefined ? { comment: seen.comment } : {}),
      replies: turn.keys,
    };
  } catch (error) {
    return {
      ...base,
      outcome: "none",
      taken: null,
      replies: [],
      error: (error as Error).message || String((error as Error).stack ?? error),
    };
  }
}
