/**
 * manifest.json of a model artifact (written by models/boig_trainer/manifest.py): what the
 * files are (sha256, checked at load), what the model takes and returns, and how it was trained.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { modelInvalid } from "../errors";

export const tensorDtypeSchema = z.enum([
  "float32", "float16", "float64", "int8", "int16", "int32", "int64",
  "uint8", "uint16", "uint32", "uint64", "bool", "string",
]);

/** A number must match exactly; a name such as "batch" is free but means one size across a call's feeds. */
const dimSchema = z.union([z.number().int().nonnegative(), z.string().min(1)]);

export const tensorSpecSchema = z.object({
  name: z.string().min(1),
  dtype: tensorDtypeSchema,
  dims: z.array(dimSchema),
});

const artifactFileSchema = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "sha256 must be 64 lowercase hex digits"),
  bytes: z.number().int().nonnegative(),
  /** Multi-file artifacts describe each file's signature here; otherwise the top-level one applies. */
  inputs: z.array(tensorSpecSchema).min(1).optional(),
  outputs: z.array(tensorSpecSchema).min(1).optional(),
});

/** Loose: kind-specific sections (e.g. `llm`) are kept for the loader of that kind. */
export const manifestSchema = z.looseObject({
  name: z.string().min(1),
  version: z.string().min(1),
  kind: z.string().min(1),
  files: z.record(z.string(), artifactFileSchema).refine((files) => Object.keys(files).length > 0, "lists no files"),
  inputs: z.array(tensorSpecSchema).min(1),
  outputs: z.array(tensorSpecSchema).min(1),
  training: z.object({
    config: z.record(z.string(), z.unknown()),
    command: z.string(),
    torch: z.string(),
  }),
  data: z.object({ snapshot: z.string() }),
  metrics: z.record(z.string(), z.number()),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type TensorSpec = z.infer<typeof tensorSpecSchema>;

export async function readManifest(artifactDir: string): Promise<Manifest> {
  const file = path.join(artifactDir, "manifest.json");
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw modelInvalid(`cannot read ${file}: ${(error as Error).message}`, { file });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
    throw modelInvalid(`${file} is not a valid manifest: ${issues.join("; ")}`, { file, issues });
  }
  return parsed.data;
}
