/**
 * The one drizzle schema (Postgres dialect) shared by PGlite and a Postgres server.
 * Change it, then `npm run db:generate` to add a migration under drizzle/.
 */
import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

export const ROLES = ["marketer", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull().unique(),
    name: text("name").notNull().default(""),
    passwordHash: text("password_hash").notNull(),
    role: text("role").$type<Role>().notNull().default("marketer"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check("users_role_check", sql`${t.role} in ('marketer', 'admin')`)],
);

export const JOB_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const jobs = pgTable(
  "jobs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: text("kind").notNull(),
    payload: jsonb("payload").notNull().default({}),
    status: text("status").$type<JobStatus>().notNull().default("queued"),
    /** 0..1, with a human-readable message beside it. */
    progress: real("progress").notNull().default(0),
    progressMessage: text("progress_message").notNull().default(""),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull().default(3),
    result: jsonb("result"),
    error: text("error"),
    /** Handler-defined resume state; written in the same transaction as the work it covers. */
    checkpoint: jsonb("checkpoint"),
    cancelRequested: boolean("cancel_requested").notNull().default(false),
    lockedBy: text("locked_by"),
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }),
    runAfter: timestamp("run_after", { withTimezone: true }).notNull().defaultNow(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    check(
      "jobs_status_check",
      sql`${t.status} in ('queued', 'running', 'succeeded', 'failed', 'cancelled')`,
    ),
    check("jobs_progress_check", sql`${t.progress} >= 0 and ${t.progress} <= 1`),
    index("jobs_claim_idx").on(t.status, t.runAfter, t.createdAt),
  ],
);

export const jobLogs = pgTable(
  "job_logs",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    jobId: uuid("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    level: text("level").$type<"info" | "warn" | "error">().notNull().default("info"),
    message: text("message").notNull(),
  },
  (t) => [index("job_logs_job_idx").on(t.jobId, t.id)],
);

/** Who did what, when: every admin action lands here (SPEC §8, issue 7). */
export const auditLog = pgTable("audit_log", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  actorId: uuid("actor_id").references(() => users.id, { onDelete: "set null" }),
  action: text("action").notNull(),
  target: text("target"),
  details: jsonb("details").notNull().default({}),
  at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
});

// ---------------------------------------------------------------------------------------------
// Imported data (SPEC §3.2–3.3): datasets of posts (social) or assets (stock), their images,
// KPI buckets and the stable test split.

export const DATASET_KINDS = ["social", "stock"] as const;
export type DatasetKind = (typeof DATASET_KINDS)[number];
export const BUCKETS = ["high", "medium", "low"] as const;
export type Bucket = (typeof BUCKETS)[number];

export const datasets = pgTable("datasets", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull().unique(),
  kind: text("kind").$type<DatasetKind>().notNull(),
  sourceDir: text("source_dir").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const posts = pgTable(
  "posts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    datasetId: uuid("dataset_id")
      .notNull()
      .references(() => datasets.id, { onDelete: "cascade" }),
    /** post_id (social) or asset_id (stock): the key that makes re-import idempotent. */
    externalId: text("external_id").notNull(),
    account: text("account"), // social only
    postedAt: timestamp("posted_at", { withTimezone: true }).notNull(), // posted_at / released_at
    text: text("text").notNull(), // social text / stock caption
    keywords: jsonb("keywords").$type<string[]>().notNull().default([]),
    likes: integer("likes"),
    downloads: integer("downloads"),
    forwardActions: integer("forward_actions"),
    impressions: integer("impressions"),
    /** The KPI that buckets are cut on: likes (social) or forward actions (stock). */
    kpi: doublePrecision("kpi").notNull(), // float8: exact for every integer KPI (float4 rounded above 2^24)
    bucket: text("bucket").$type<Bucket>(),
    split: text("split").$type<"train" | "test">().notNull().default("train"),
    /** sha256 of the normalized row + its media hashes: unchanged rows are not rewritten. */
    contentHash: text("content_hash").notNull(),
    sourceLine: integer("source_line").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("posts_dataset_external_idx").on(t.datasetId, t.externalId),
    index("posts_dataset_bucket_idx").on(t.datasetId, t.bucket, t.split),
    index("posts_account_idx").on(t.datasetId, t.account, t.postedAt),
    check("posts_bucket_check", sql`${t.bucket} is null or ${t.bucket} in ('high', 'medium', 'low')`),
    check("posts_split_check", sql`${t.split} in ('train', 'test')`),
  ],
);

export const images = pgTable(
  "images",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    postId: uuid("post_id")
      .notNull()
      .references(() => posts.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    /** The path as the import file wrote it, relative to its folder. */
    mediaPath: text("media_path").notNull(),
    sha256: text("sha256").notNull(),
    /** Content-addressed copy under BOIG_DATA_DIR/images/. */
    storedPath: text("stored_path").notNull(),
    format: text("format").notNull(),
    width: integer("width").notNull(),
    height: integer("height").notNull(),
    /** Verbalization (SPEC §3.4) and its canonical text; null until verbalized. */
    verbalization: jsonb("verbalization"),
    canonicalText: text("canonical_text"),
    verbalizedBy: text("verbalized_by"),
    /** No-reference quality proxy in [0, 1] (server/verbalize/quality.ts). */
    quality: real("quality"),
    /** Share of the objects/colors the post's text mentions that the image shows; null if none. */
    agreement: real("agreement"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("images_post_position_idx").on(t.postId, t.position), index("images_sha_idx").on(t.sha256)],
);

/** One import run's outcome, with every rejected row and why (line, column, reason). */
export const importReports = pgTable("import_reports", {
  id: uuid("id").primaryKey().defaultRandom(),
  datasetId: uuid("dataset_id").references(() => datasets.id, { onDelete: "cascade" }),
  sourceFile: text("source_file").notNull(),
  inserted: integer("inserted").notNull().default(0),
  updated: integer("updated").notNull().default(0),
  unchanged: integer("unchanged").notNull().default(0),
  rejected: integer("rejected").notNull().default(0),
  errors: jsonb("errors").$type<{ line: number; column: string; reason: string }[]>().notNull().default([]),
  bucketCounts: jsonb("bucket_counts").$type<Record<string, number>>().notNull().default({}),
  createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

// ---------------------------------------------------------------------------------------------
// Marketer workspace (issue 6): generations (BoigSD variants for a prompt) and uploaded creatives
// scored by the reward, each image with its scores; per-user API keys; the brand baselines that
// turn a reward into a percentile.

export const GENERATION_SOURCES = ["generate", "upload"] as const;
export type GenerationSource = (typeof GENERATION_SOURCES)[number];
export const GENERATION_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type GenerationStatus = (typeof GENERATION_STATUSES)[number];

/** One marketer request: its inputs, BoigLLM's verbalization, the models used and its status. */
export const generations = pgTable(
  "generations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    source: text("source").$type<GenerationSource>().notNull(),
    kind: text("kind").$type<DatasetKind>().notNull(),
    /** The social account; null for stock. */
    brand: text("brand"),
    /** The post date as the marketer gave it (ISO 8601). */
    postDate: text("post_date").notNull(),
    prompt: text("prompt").notNull(),
    keywords: jsonb("keywords").$type<string[]>().notNull().default([]),
    targetKpi: text("target_kpi").$type<Bucket>(),
    variants: integer("variants").notNull(),
    seed: integer("seed").notNull().default(0),
    /** Sampler settings (steps, eta, guidance) or the detector of an upload. */
    settings: jsonb("settings").notNull().default({}),
    status: text("status").$type<GenerationStatus>().notNull().default("queued"),
    jobId: uuid("job_id").references(() => jobs.id, { onDelete: "set null" }),
    /** BoigLLM's behavior-conditioned verbalization {canonical, verbalization, preview, truncated}. */
    verbalization: jsonb("verbalization"),
    /** name + version of every model that contributed (boigllm, boigsd, detector). */
    models: jsonb("models").$type<Record<string, { name: string; version: string }>>().notNull().default({}),
    error: text("error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    index("generations_user_idx").on(t.userId, t.createdAt),
    index("generations_brand_idx").on(t.brand, t.createdAt),
    check("generations_source_check", sql`${t.source} in ('generate', 'upload')`),
    check("generations_status_check", sql`${t.status} in ('queued', 'running', 'succeeded', 'failed', 'cancelled')`),
  ],
);

/** One image of a generation (a BoigSD variant or the uploaded file) with its scores. */
export const generationImages = pgTable(
  "generation_images",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    generationId: uuid("generation_id")
      .notNull()
      .references(() => generations.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    /** The sampler seed of a generated variant; null for an upload. */
    seed: integer("seed"),
    fileName: text("file_name"),
    sha256: text("sha256").notNull(),
    /** Content-addressed file under BOIG_DATA_DIR (server/import/imageStore.ts). */
    storedPath: text("stored_path").notNull(),
    format: text("format").notNull(),
    width: integer("width").notNull(),
    height: integer("height").notNull(),
    canonical: text("canonical").notNull(),
    verbalization: jsonb("verbalization").notNull(),
    detector: jsonb("detector").notNull().default({}),
    rewardPaper: real("reward_paper").notNull(),
    rewardCalibrated: real("reward_calibrated").notNull(),
    probabilityHigh: real("probability_high").notNull(),
    /** Share (0..100) of the brand's own scored posts with a lower reward; null = too few posts. */
    percentilePaper: real("percentile_paper"),
    percentileCalibrated: real("percentile_calibrated"),
    /** The simulator's expected KPI (world data only, SPEC §6). */
    trueKpi: real("true_kpi"),
    breakdown: jsonb("breakdown").notNull().default([]),
    notes: jsonb("notes").$type<string[]>().notNull().default([]),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("generation_images_position_idx").on(t.generationId, t.position)],
);

/** Per-user API keys for the REST endpoint: only a sha256 of the secret is stored. */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** The first characters of the key, shown so users can tell keys apart. */
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull().unique(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("api_keys_user_idx").on(t.userId)],
);

/**
 * The rewards of a brand's own imported posts under one BoigLLM version, sorted ascending:
 * the reference a new image's reward is ranked against (percentiles, as marketers read scores).
 * `scope` is `social:<account>` or `stock`.
 */
export const rewardBaselines = pgTable(
  "reward_baselines",
  {
    scope: text("scope").notNull(),
    modelVersion: text("model_version").notNull(),
    posts: integer("posts").notNull(),
    /** count + newest image time of the scope's verbalized posts: a new import changes it. */
    fingerprint: text("fingerprint").notNull(),
    rewardsPaper: jsonb("rewards_paper").$type<number[]>().notNull(),
    rewardsCalibrated: jsonb("rewards_calibrated").$type<number[]>().notNull(),
    computedAt: timestamp("computed_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("reward_baselines_scope_idx").on(t.scope, t.modelVersion)],
);

// ---------------------------------------------------------------------------------------------
// Model registry (issue 7): every trained model version with its manifest, and which version
// each role serves. No `active_models` row for a role = the built-in default (env var or the
// committed artifact), so a fresh install serves exactly what it did before the registry.

/**
 * boigllm: BoigLLM behavior model that writes verbalizations; reward: the BoigLLM checkpoint whose
 * token probabilities score images (SPEC §4; trained with a strong KPI-contrast term, docs/boigllm.md);
 * boigsd: the diffusion model; verbalizer: the scene detector used for imports and scoring;
 * evaluator: the independent scene detector behind the true KPI; clip: image–text agreement.
 */
export const MODEL_ROLES = ["boigllm", "reward", "boigsd", "verbalizer", "evaluator", "clip"] as const;
export type ModelRole = (typeof MODEL_ROLES)[number];
/** committed: a repo artifact registered in place; run: a trainer run's artifact, copied under BOIG_DATA_DIR/models. */
export const MODEL_SOURCES = ["committed", "run"] as const;
export type ModelSource = (typeof MODEL_SOURCES)[number];

const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(", "));

export const modelVersions = pgTable(
  "model_versions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    role: text("role").$type<ModelRole>().notNull(),
    name: text("name").notNull(),
    version: text("version").notNull(),
    /** Absolute path of the artifact folder; never rewritten once registered (run copies are immutable). */
    dir: text("dir").notNull(),
    /** sha256 of manifest.json: the manifest lists every file's sha256, so this pins all the bytes. */
    manifestSha256: text("manifest_sha256").notNull(),
    manifest: jsonb("manifest").notNull(),
    source: text("source").$type<ModelSource>().notNull(),
    runJobId: uuid("run_job_id").references(() => jobs.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("model_versions_role_dir_idx").on(t.role, t.dir),
    index("model_versions_role_created_idx").on(t.role, t.createdAt),
    check("model_versions_role_check", sql`${t.role} in (${inList(MODEL_ROLES)})`),
    check("model_versions_source_check", sql`${t.source} in (${inList(MODEL_SOURCES)})`),
  ],
);

/** The version each role serves; changed only by promote / rollback, each in one transaction. */
export const activeModels = pgTable(
  "active_models",
  {
    role: text("role").$type<ModelRole>().primaryKey(),
    modelVersionId: uuid("model_version_id")
      .notNull()
      .references(() => modelVersions.id, { onDelete: "restrict" }),
    /** What was active before the last promotion: the target of a rollback; null = none. */
    previousVersionId: uuid("previous_version_id").references(() => modelVersions.id, { onDelete: "set null" }),
    promotedBy: uuid("promoted_by").references(() => users.id, { onDelete: "set null" }),
    promotedAt: timestamp("promoted_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check("active_models_role_check", sql`${t.role} in (${inList(MODEL_ROLES)})`)],
);
