/**
 * The only module that reads process.env. Everything else imports `env()`.
 * Parsed lazily (and re-parsed when process.env changes in tests via `resetEnv`).
 */
import path from "node:path";
import { z } from "zod";

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** Real Postgres server; when unset the embedded PGlite under BOIG_DATA_DIR is used. */
  DATABASE_URL: z.string().url().optional(),
  /** Where PGlite data, secrets, uploads and run outputs live. */
  BOIG_DATA_DIR: z.string().default("./data"),
  BOIG_ADMIN_EMAIL: z.string().email().optional(),
  BOIG_ADMIN_PASSWORD: z.string().min(8, "BOIG_ADMIN_PASSWORD must be at least 8 characters").optional(),
  /** Python interpreter with Debian's python3-torch (the pyenv python3 on PATH has no torch). */
  BOIG_PYTHON: z.string().default("/usr/bin/python3"),
  /** Run the job worker inside the web process (embedded default). Set to 0 with `boig worker`. */
  BOIG_EMBEDDED_WORKER: z.enum(["0", "1"]).default("1"),
  /** Seconds without a heartbeat after which a running job counts as orphaned. */
  BOIG_JOB_STALE_SECONDS: z.coerce.number().positive().default(30),
  /** On first start with an empty database, generate and import the demo world (0 = don't). */
  BOIG_DEMO_WORLD: z.enum(["0", "1"]).default("1"),
  /** Size of that demo world (posts per brand; 24 brands). Small values make quick test setups. */
  BOIG_DEMO_POSTS_PER_BRAND: z.coerce.number().int().min(1).max(5000).default(250),
  NEXTAUTH_SECRET: z.string().min(16).optional(),
  NEXTAUTH_URL: z.string().url().optional(),
  /** BoigLLM (behavior) artifact the app and `boig score` serve; default models/artifacts/boigllm. */
  BOIG_BOIGLLM_DIR: z.string().optional(),
  /** BoigLLM reward-model artifact that scores images (Studio, `boig score`, DDPO); default
   *  BOIG_BOIGLLM_DIR when only that is set, else models/artifacts/boigllm-reward. */
  BOIG_REWARD_DIR: z.string().optional(),
  /** BoigSD artifact the app and `boig generate` serve; default models/artifacts/boigsd. */
  BOIG_BOIGSD_DIR: z.string().optional(),
  /** Largest import ZIP an admin may upload (MB); it may expand to at most 4× this on disk. */
  BOIG_MAX_IMPORT_MB: z.coerce.number().int().min(1).max(100_000).default(500),
  /** Per-user rate limit on generation requests (UI, tRPC and REST alike), per rolling minute. */
  BOIG_GENERATIONS_PER_MINUTE: z.coerce.number().int().min(1).max(10000).default(12),
  /** Per-user limit on the other BoigLLM calls (layout, scoring, compare; UI, tRPC and REST), per rolling minute. */
  BOIG_MODEL_CALLS_PER_MINUTE: z.coerce.number().int().min(1).max(100000).default(60),
  /** Per-user cap on generations queued or running at once (fair share of the worker). */
  BOIG_ACTIVE_GENERATIONS: z.coerce.number().int().min(1).max(1000).default(8),
  /** Set by bin/boig.mjs so the CLI finds drizzle/ and models/ from any working directory. */
  BOIG_REPO_ROOT: z.string().optional(),
});

export type Env = z.infer<typeof schema> & { dataDir: string; repoRoot: string };

let cached: Env | undefined;

export function env(): Env {
  if (cached) return cached;
  // An empty variable (`DATABASE_URL=`) means unset, as in most tools.
  const raw = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment:\n${lines.join("\n")}`);
  }
  const repoRoot = parsed.data.BOIG_REPO_ROOT ?? process.cwd();
  cached = { ...parsed.data, dataDir: path.resolve(/*turbopackIgnore: true*/ repoRoot, parsed.data.BOIG_DATA_DIR), repoRoot };
  return cached;
}

/** Tests change process.env between cases; this forces a re-read. */
export function resetEnv() {
  cached = undefined;
}
