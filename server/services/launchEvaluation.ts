/**
 * Admin → Evaluation: queue Table 1 (`eval llm`) or Table 2 (`eval sd`) as an `eval.run` job.
 * Each model is a registry version id or a model folder (relative to the repo root or absolute);
 * left out, a row gets what the CLI would use: the served BoigLLM / BoigSD (active registry
 * version, else the built-in default) and the committed no-KPI, base and SFT folders (those rows
 * are no registry role). Everything cheap is checked here, field by field — the folder holds a
 * model of the right kind and variant, the data folders exist — so a mistake is a form error now,
 * not a failed job minutes later. The job gets resolved folders (server/jobs/handlers/evalRun.ts).
 */
import fs from "node:fs";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client";
import { activeModels, modelVersions, type ModelRole } from "../db/schema";
import { env } from "../env";
import { badInput } from "../errors";
import { TABLE1_DECODINGS, evalRunPayload, type EvalModelRef, type EvalRunPayload } from "../jobs/handlers/evalRun";
import { servedDirInDb } from "./activeModels";
import { enqueueJob } from "./enqueueJob";
import { recordAudit } from "./recordAudit";
import { parseInput } from "./validation";

/**
 * Default sizes. Table 1: 1000 per dataset and bucket is the whole test split (SPEC §3.3 caps a bucket's test
 * share at 1000), as the CLI: the demo world's 900 test images take ~40 s greedy, ~5 min MBR on 2 cores.
 * Table 2 samples images, so its default stays small (4 × 2: minutes; docs/results.md used 48 × 4).
 */
export const EVAL_DEFAULTS = { limit: 1000, prompts: 4, samples: 2, decoding: "greedy" } as const;

/** The committed folders of the rows that are no registry role (relative to the repo root). */
export const COMMITTED_EVAL_MODELS = {
  nokpi: "models/artifacts/boigllm-nokpi",
  base: "models/artifacts/boigsd-base",
  sft: "models/artifacts/boigsd-sft",
} as const;

const modelChoice = z.string().trim().min(1, "is empty: pick a version or give a folder").max(1000, "is too long");
const folder = z.string().trim().min(1, "is empty").max(1000, "is too long");
const whole = (min: number, max: number) =>
  z.number({ error: "must be a number" }).int("must be a whole number").min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

export const launchEvaluationInput = z.discriminatedUnion(
  "table",
  [
    z.object({
      table: z.literal("llm"),
      models: z.object({ boigllm: modelChoice.optional(), nokpi: modelChoice.optional() }).default({}),
      size: z.object({ limit: whole(1, 1000).default(EVAL_DEFAULTS.limit) }).default({ limit: EVAL_DEFAULTS.limit }),
      decoding: z.enum(TABLE1_DECODINGS, { error: `must be one of ${TABLE1_DECODINGS.join(", ")}` }).default(EVAL_DEFAULTS.decoding),
      /** An instruction folder (`boig instructions`); default: the demo world's. */
      data: folder.optional(),
    }),
    z
      .object({
        table: z.literal("sd"),
        models: z.object({ base: modelChoice.optional(), sft: modelChoice.optional(), boigsd: modelChoice.optional() }).default({}),
        size: z
          .object({ prompts: whole(1, 64).default(EVAL_DEFAULTS.prompts), samples: whole(1, 8).default(EVAL_DEFAULTS.samples) })
          .default({ prompts: EVAL_DEFAULTS.prompts, samples: EVAL_DEFAULTS.samples }),
        data: folder.optional(),
        world: folder.optional(),
      })
      .superRefine((v, ctx) => {
        // Test posts are looked up in their world by id: an instruction folder from another world matches nothing.
        if (v.data && !v.world) ctx.addIssue({ code: "custom", path: ["world"], message: "is required with your own instruction folder (the world it was built from)" });
        if (v.world && !v.data) ctx.addIssue({ code: "custom", path: ["data"], message: "is required with your own world folder (instructions built from it)" });
      }),
  ],
  { error: (issue) => (issue.code === "invalid_union" ? "must be llm (Table 1) or sd (Table 2)" : undefined) },
);
export type LaunchEvaluationInput = z.input<typeof launchEvaluationInput>;

type Slot = { key: string; label: string; role: ModelRole; kind: "boigllm" | "boigsd"; variant?: "behavior" | "nokpi"; fallback: () => Promise<string> };
type Issue = { path: string; message: string };

export async function launchEvaluation(db: Db, input: LaunchEvaluationInput, actorId: string | null) {
  const parsed = parseInput(launchEvaluationInput, input);
  const issues: Issue[] = [];
  const repoDir = (p: string) => path.resolve(env().repoRoot, p);
  const served = (role: ModelRole) => () => servedDirInDb(db, role);
  const committed = (p: string) => async () => repoDir(p);
  let payload: EvalRunPayload;
  if (parsed.table === "llm") {
    const slots: Slot[] = [
      { key: "boigllm", label: "BoigLLM", role: "boigllm", kind: "boigllm", variant: "behavior", fallback: served("boigllm") },
      { key: "nokpi", label: "the no-KPI baseline", role: "boigllm", kind: "boigllm", variant: "nokpi", fallback: committed(COMMITTED_EVAL_MODELS.nokpi) },
    ];
    const [boigllm, nokpi] = await Promise.all(slots.map((s) => resolveModel(db, s, parsed.models[s.key as "boigllm" | "nokpi"], issues)));
    const data = parsed.data ? repoDir(parsed.data) : null;
    if (data) requireFiles(data, ["train.jsonl", "test.jsonl"], "data", "an instruction folder (`npx boig instructions`)", issues);
    payload = { table: "llm", models: { boigllm: boigllm!, nokpi: nokpi! }, size: { limit: parsed.size.limit }, decoding: parsed.decoding, data };
  } else {
    const slots: Slot[] = [
      { key: "base", label: "base", role: "boigsd", kind: "boigsd", fallback: committed(COMMITTED_EVAL_MODELS.base) },
      { key: "sft", label: "SFT", role: "boigsd", kind: "boigsd", fallback: committed(COMMITTED_EVAL_MODELS.sft) },
      { key: "boigsd", label: "BoigSD", role: "boigsd", kind: "boigsd", fallback: served("boigsd") },
    ];
    const [base, sft, boigsd] = await Promise.all(slots.map((s) => resolveModel(db, s, parsed.models[s.key as "base" | "sft" | "boigsd"], issues)));
    const data = parsed.data ? repoDir(parsed.data) : null;
    const world = parsed.world ? repoDir(parsed.world) : null;
    if (data) requireFiles(data, ["test.jsonl"], "data", "an instruction folder (`npx boig instructions`)", issues);
    if (world) requireFiles(world, ["world.json"], "world", "a `boig world` folder", issues);
    payload = { table: "sd", models: { base: base!, sft: sft!, boigsd: boigsd! }, size: parsed.size, data, world };
  }
  if (issues.length) throw badInput(issues.map((f) => `${f.path}: ${f.message}`).join("; "), { fields: issues });

  const job = await enqueueJob(db, { kind: "eval.run", payload: evalRunPayload.parse(payload), maxAttempts: 2 }, actorId);
  await recordAudit(db, { actorId, action: "eval.launch", target: job.id, details: payload });
  return job;
}

const isVersionId = (choice: string) => z.uuid().safeParse(choice).success;

/** A version id or a folder → the model's folder, name and version; problems go to `issues` under models.<key>. */
async function resolveModel(db: Db, slot: Slot, choice: string | undefined, issues: Issue[]): Promise<EvalModelRef | null> {
  const field = `models.${slot.key}`;
  let dir: string;
  let versionId: string | null = null;
  if (choice && isVersionId(choice)) {
    const [version] = await db.select({ id: modelVersions.id, role: modelVersions.role, dir: modelVersions.dir }).from(modelVersions).where(eq(modelVersions.id, choice));
    if (!version) return issue(issues, field, "is not a registered model version");
    if (version.role !== slot.role) return issue(issues, field, `is a ${version.role} version; ${slot.label} needs a ${slot.role} model`);
    dir = version.dir;
    versionId = version.id;
  } else {
    dir = choice ? path.resolve(env().repoRoot, choice) : await slot.fallback();
  }
  const manifest = readManifest(dir);
  if (!manifest) return issue(issues, field, `has no model at ${dir} (no manifest.json)`);
  if (manifest.kind !== slot.kind) return issue(issues, field, `holds a ${String(manifest.kind)} model at ${dir}; ${slot.label} needs a ${slot.kind} model`);
  if (slot.variant && manifest.variant !== slot.variant)
    return issue(issues, field, `is a ${String(manifest.variant)} BoigLLM (${dir}); ${slot.label} needs the ${slot.variant} variant`);
  if (!versionId) {
    // A registered folder chosen by path is still that version: the page can say which one.
    const [registered] = await db.select({ id: modelVersions.id }).from(modelVersions).where(and(eq(modelVersions.role, slot.role), eq(modelVersions.dir, dir)));
    versionId = registered?.id ?? null;
  }
  return { dir, versionId, name: manifest.name, version: manifest.version };
}

function issue(issues: Issue[], path: string, message: string): null {
  issues.push({ path, message });
  return null;
}

function readManifest(dir: string): { kind: unknown; name: string; version: string; variant: unknown } | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")) as Record<string, unknown>;
    const llm = m.llm as { variant?: unknown } | undefined;
    return { kind: m.kind, name: String(m.name ?? path.basename(dir)), version: String(m.version ?? ""), variant: llm?.variant };
  } catch {
    return null;
  }
}

function requireFiles(dir: string, files: string[], field: string, what: string, issues: Issue[]) {
  const missing = files.filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length) issues.push({ path: field, message: `is not ${what}: ${dir} has no ${missing.join(", ")}` });
}
