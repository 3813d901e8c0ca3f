/**
 * Every story in test/stories/ played against the real runtime on a fresh database (SQLite, or
 * PostgreSQL with SPORTELLO_TEST_DB=postgres). A failing expectation shows the story's diff.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { playStory, readStory, storyFiles } from "../src/stories/storyRunner.js";
import { createTestDatabase } from "./support/testDatabase.js";

const files = storyFiles(join(import.meta.dirname, "stories"));

describe("stories", () => {
  it("has stories to play", () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    const story = readStory(file);
    it(story.name ?? file, async () => {
      const t = await createTestDatabase();
      try {
        const result = await playStory(story, { db: t.db, file });
        expect(result.failures.join("\n\n")).toBe("");
      } finally {
        await t.drop();
      }
    });
  }
});
