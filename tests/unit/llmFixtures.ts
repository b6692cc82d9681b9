/** The committed tiny BoigLLM fixtures (tests/fixtures/llm) and their instruction records, for the LLM tests. */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const LLM_FIXTURES = fileURLToPath(new URL("../fixtures/llm", import.meta.url));

export type FixtureRecord = { prompt: string; target: string; verbalization: string; type: number; kind: "social" | "stock"; variant: string };

/** Every record of the fixtures' test split, in file order. */
export function fixtureTestRecords(): FixtureRecord[] {
  return fs
    .readFileSync(path.join(LLM_FIXTURES, "instructions/test.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as FixtureRecord);
}
