/**
 * Reads an instruction folder written by exportInstructions (`npx boig instructions`,
 * docs/boigllm.md §1): train.jsonl and test.jsonl, one InstructionRecord per line. Every line is
 * validated, so a hand-edited or truncated file fails with its file and line instead of producing
 * a wrong Table 1.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { AppError, badInput } from "../errors";
import { BUCKETS, DATASET_KINDS } from "../db/schema";
import type { InstructionRecord } from "./instructions";

const recordSchema = z.object({
  id: z.string().min(1),
  type: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]),
  variant: z.enum(["behavior", "nokpi"]),
  kind: z.enum(DATASET_KINDS),
  dataset: z.string().min(1),
  postId: z.string(),
  imageId: z.string().min(1),
  split: z.enum(["train", "test"]),
  bucket: z.enum(BUCKETS),
  inputKpi: z.enum(BUCKETS).nullable(),
  noisy: z.boolean(),
  prompt: z.string().min(1),
  target: z.string(),
  verbalization: z.string(),
});

export type InstructionSplit = "train" | "test";

/** The records of one split; NOT_FOUND when the folder or its file is missing. */
export function readInstructionSplit(dir: string, split: InstructionSplit): InstructionRecord[] {
  const file = path.join(dir, `${split}.jsonl`);
  if (!fs.existsSync(file))
    throw new AppError("NOT_FOUND", `No instruction data at ${dir} (${split}.jsonl is missing): write it with \`npx boig instructions --out ${dir}\``, { file });
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const records: InstructionRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (error) {
      throw badInput(`${file}:${i + 1}: not JSON (${(error as Error).message})`, { file, line: i + 1 });
    }
    const parsed = recordSchema.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(record)"}: ${issue.message}`);
      throw badInput(`${file}:${i + 1}: not an instruction record: ${issues.join("; ")}`, { file, line: i + 1 });
    }
    records.push(parsed.data);
  });
  return records;
}
