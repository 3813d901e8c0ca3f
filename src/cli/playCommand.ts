/** `sportello play FILE|DIR [--json]`: plays YAML stories against a fresh database each. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import type { StoryResult } from "../stories/storyRunner.js";
import { type CliContext, CliError, EXIT_FAILURE, printJson, processContext } from "./cliContext.js";

/** Plays every story under `path`, each on a new temporary SQLite database. */
export async function playStories(path: string): Promise<StoryResult[]> {
  // Loaded on use, like every database-backed command (see ./program.ts).
  const { migrate, openDatabase } = await import("../data/database.js");
  const { playStory, readStory, storyFiles } = await import("../stories/storyRunner.js");
  const results: StoryResult[] = [];
  for (const file of storyFiles(path)) {
    const story = readStory(file);
    const dir = mkdtempSync(join(tmpdir(), "sportello-play-"));
    const db = await openDatabase(`file:${join(dir, "story.db")}`);
    try {
      await migrate(db);
      // The runtime is composed as `npm start` composes it (offline triage, language detection).
      results.push(await playStory(story, { db, file }));
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return results;
}

export function registerPlayCommand(program: Command, ctx: CliContext = processContext()): void {
  program
    .command("play")
    .description("play YAML conversation stories (exit 1 with a readable diff when one fails)")
    .argument("<path>", "a story file or a folder of .yaml stories")
    .option("--json", "print the transcript and domain events as JSON")
    .action(async (path: string, options: { json?: boolean }) => {
      let results: StoryResult[];
      try {
        results = await playStories(path);
      } catch (error) {
        throw new CliError((error as Error).message, EXIT_FAILURE);
      }
      if (options.json) {
        printJson(ctx, results);
      } else {
        for (const r of results) {
          ctx.stdout(`${r.ok ? "✓" : "✗"} ${r.name}\n`);
          for (const f of r.failures) ctx.stdout(`  ${f.replaceAll("\n", "\n  ")}\n`);
        }
        const failed = results.filter((r) => !r.ok).length;
        ctx.stdout(`${results.length - failed} passed, ${failed} failed\n`);
      }
      if (results.some((r) => !r.ok))
        throw new CliError(`${results.filter((r) => !r.ok).length} story(ies) failed`, EXIT_FAILURE);
    });
}
