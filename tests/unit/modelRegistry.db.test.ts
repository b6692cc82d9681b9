/**
 * The model registry on a real database: committed artifacts registered but not active (the
 * built-in default is served); a run's artifact copied under BOIG_DATA_DIR byte for byte;
 * promotion (verify first, then one swap) changes what servedBoigSdDir() returns; a corrupted
 * version (or one that no longer reproduces its golden fixture) cannot be promoted and leaves the
 * previous one active; rollback; audit rows; every committed artifact passes the verification a
 * promotion runs; the Models page renders the listing; a trainer.run job registers its artifact.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { TRPCError } from "@trpc/server";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import superjson from "superjson";
import { like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ModelsAdmin } from "@/components/ModelsAdmin";
import { TRPCProvider } from "@/components/trpc";
import { appRouter, type AppRouter } from "@/server/api/root";
import { createCallerFactory } from "@/server/api/trpc";
import type { DbHandle } from "@/server/db/client";
import { auditLog, MODEL_ROLES, type ModelRole } from "@/server/db/schema";
import { createTestDb, testDbKind } from "@/server/db/testing";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";
import { builtInModelDir, getActiveModelDir, refreshActiveModels } from "@/server/services/activeModels";
import { createUser } from "@/server/services/createUser";
import { enqueueJob } from "@/server/services/enqueueJob";
import { ensureCommittedModels } from "@/server/services/ensureCommittedModels";
import { getModelVersion } from "@/server/services/getModelVersion";
import { listModelVersions } from "@/server/services/listModelVersions";
import { loadServedBoigSd, servedBoigSdDir } from "@/server/services/loadServedBoigSd";
import { promoteModelVersion } from "@/server/services/promoteModelVersion";
import { registerModelVersion, roleOfTrainerRun, type ModelVersionRow } from "@/server/services/registerModelVersion";
import { rollbackModel } from "@/server/services/rollbackModel";
import { verifyModelVersion } from "@/server/services/verifyModelVersion";
import { trainerRunHandler } from "@/server/jobs/handlers/trainerRun";
import { useTempDataDir } from "./tempDataDir";

// The trainer subprocess stands in: it "publishes" the folder in FAKE_ARTIFACT.dir (no Python here).
const FAKE_ARTIFACT = vi.hoisted(() => ({ dir: "" }));
vi.mock("@/server/jobs/trainerProcess", async (importOriginal) => ({
  ...(await importOriginal<object>()),
  runTrainer: async (_args: string[], opts: { onEvent: (event: Record<string, unknown>) => Promise<void> }) => {
    await opts.onEvent({ type: "artifact", dir: FAKE_ARTIFACT.dir, manifest: {} });
    await opts.onEvent({ type: "done", metrics: {} });
  },
}));

const SD_DIR = path.resolve("tests/fixtures/sd/boigsd-tiny");
const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
const filesOf = (dir: string) => Object.keys(JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")).files as object);

async function expectAppError(promise: Promise<unknown>, code: string): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

describe(`model registry (${testDbKind()})`, () => {
  const temp = useTempDataDir("model-registry");
  let handle: DbHandle;
  let adminId: string;
  let runJobId: string;
  /** A stand-in for another trainer run: the fixture with another version in its manifest. */
  const variantOf = (suffix: string) => {
    const dir = path.join(temp.root, `boigsd-${suffix}`);
    fs.cpSync(SD_DIR, dir, { recursive: true });
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
    manifest.version = `${manifest.version}-${suffix}`;
    fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
    return dir;
  };
  let runA: ModelVersionRow;

  beforeAll(async () => {
    temp.enter();
    handle = await createTestDb();
    adminId = (await createUser(handle.db, { email: "admin@models.test", password: "password123", role: "admin" }, null)).id;
    runJobId = (await enqueueJob(handle.db, { kind: "trainer.run", payload: { task: "sd-base" } }, adminId)).id;
  });
  afterAll(async () => {
    await handle?.close();
    temp.leave();
  });

  it("maps trainer runs to roles", () => {
    expect(roleOfTrainerRun({ task: "llm" })).toBe("boigllm");
    expect(roleOfTrainerRun({ task: "llm", variant: "nokpi" })).toBeNull();
    expect(roleOfTrainerRun({ task: "llm", servesAs: "reward" })).toBe("reward");
    expect(roleOfTrainerRun({ task: "ddpo" })).toBe("boigsd");
    expect(roleOfTrainerRun({ task: "detector" })).toBe("verbalizer");
    expect(roleOfTrainerRun({ task: "detector", arch: "dilated" })).toBe("evaluator");
    expect(roleOfTrainerRun({ task: "clip" })).toBe("clip");
    expect(roleOfTrainerRun({ task: "tiny" })).toBeNull();
  });

  it("registers the committed models without activating any: the built-in default is served", async () => {
    const first = await ensureCommittedModels(handle.db);
    expect(first.map((m) => [m.role, m.status])).toEqual(MODEL_ROLES.map((role) => [role, "registered"]));
    const again = await ensureCommittedModels(handle.db);
    expect(again.map((m) => m.status)).toEqual(MODEL_ROLES.map(() => "unchanged"));
    expect(again.map((m) => "versionId" in m && m.versionId)).toEqual(first.map((m) => "versionId" in m && m.versionId));

    expect((await refreshActiveModels(handle.db)).size).toBe(0);
    expect(getActiveModelDir("boigsd")).toBeUndefined();
    expect(servedBoigSdDir()).toBe(builtInModelDir("boigsd"));
    if (!env().BOIG_BOIGSD_DIR) expect(servedBoigSdDir()).toBe(path.join(env().repoRoot, "models/artifacts/boigsd"));
    const listing = await listModelVersions(handle.db);
    expect(listing.roles.every((r) => r.activeVersionId === null && r.servedDir === r.builtInDir)).toBe(true);
    expect(listing.versions).toHaveLength(MODEL_ROLES.length);
    expect(listing.versions.every((v) => v.source === "committed" && !v.active)).toBe(true);
  });

  it("copies a run's artifact under BOIG_DATA_DIR with identical sha256s, once", async () => {
    runA = await registerModelVersion(handle.db, { role: "boigsd", sourceDir: SD_DIR, source: "run", runJobId, actorId: adminId });
    const roleDir = path.join(temp.dataDir, "models", "boigsd");
    expect(path.dirname(runA.dir)).toBe(roleDir);
    expect(path.basename(runA.dir)).toBe(`${runA.name}-${runA.version}-${runA.manifestSha256.slice(0, 12)}`);
    expect(runA.runJobId).toBe(runJobId);
    expect(sha256(path.join(runA.dir, "manifest.json"))).toBe(runA.manifestSha256);
    for (const file of [...filesOf(SD_DIR), "manifest.json", "golden_unet.json"])
      expect(sha256(path.join(runA.dir, file)), file).toBe(sha256(path.join(SD_DIR, file)));
    expect(fs.readdirSync(roleDir)).toEqual([path.basename(runA.dir)]); // no temp folder left behind

    const again = await registerModelVersion(handle.db, { role: "boigsd", sourceDir: SD_DIR, source: "run", runJobId });
    expect([again.id, again.created]).toEqual([runA.id, false]);
    // The registered copy itself registers as the same version.
    expect((await registerModelVersion(handle.db, { role: "boigsd", sourceDir: runA.dir, source: "run" })).id).toBe(runA.id);
    // A role only holds its own kind of model.
    await expectAppError(registerModelVersion(handle.db, { role: "boigllm", sourceDir: SD_DIR, source: "run" }), "MODEL_INVALID");
  });

  it("promotes after verifying: servedBoigSdDir() then returns the version", async () => {
    const result = await promoteModelVersion(handle.db, adminId, runA.id);
    expect(result.previousVersionId).toBeNull();
    expect(result.verification.golden?.file).toBe("golden_unet.json");
    expect(getActiveModelDir("boigsd")).toBe(runA.dir);
    expect(servedBoigSdDir()).toBe(runA.dir);
    expect(servedBoigSdDir(SD_DIR)).toBe(SD_DIR); // an explicit folder still wins
    expect((await loadServedBoigSd()).artifactDir).toBe(runA.dir);
    await expectAppError(promoteModelVersion(handle.db, adminId, runA.id), "CONFLICT");
  });

  it("refuses a corrupted version with MODEL_INVALID and keeps the previous one active", async () => {
    const corrupt = await registerModelVersion(handle.db, { role: "boigsd", sourceDir: variantOf("b"), source: "run" });
    const unet = path.join(corrupt.dir, "unet.onnx");
    const bytes = fs.readFileSync(unet);
    bytes[bytes.length >> 1]! ^= 0xff;
    fs.writeFileSync(unet, bytes);

    // Through the admin router, as the Models page calls it.
    const caller = createCallerFactory(appRouter)({ db: handle.db, user: { id: adminId, email: "admin@models.test", name: "", role: "admin" } });
    const error = await caller.admin.models.promote({ versionId: corrupt.id }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TRPCError);
    const cause = (error as TRPCError).cause as AppError;
    expect(cause.code).toBe("MODEL_INVALID");
    expect(cause.message).toMatch(/failed verification: .*unet\.onnx has sha256/);

    const listing = await caller.admin.models.list({ role: "boigsd" });
    expect(listing.roles[0]!.activeVersionId).toBe(runA.id);
    expect(listing.versions.find((v) => v.id === corrupt.id)!.active).toBe(false);
    expect(servedBoigSdDir()).toBe(runA.dir);

    // Every file intact, but the UNet no longer reproduces PyTorch's outputs (a shifted golden
    // output stands in for a runtime that computes something else): the golden replay refuses it.
    const offDir = variantOf("d");
    const goldenFile = path.join(offDir, "golden_unet.json");
    const golden = JSON.parse(fs.readFileSync(goldenFile, "utf8")) as { outputs: Record<string, { data: number[] }> };
    Object.values(golden.outputs)[0]!.data[0]! += 1;
    fs.writeFileSync(goldenFile, JSON.stringify(golden));
    const off = await registerModelVersion(handle.db, { role: "boigsd", sourceDir: offDir, source: "run" });
    const offError = await expectAppError(promoteModelVersion(handle.db, adminId, off.id), "MODEL_INVALID");
    expect(offError.message).toMatch(/unet\.onnx does not reproduce golden_unet\.json/);
    expect(getActiveModelDir("boigsd")).toBe(runA.dir);
  });

  it("rolls back to the previous version, and refuses when there is none", async () => {
    const runC = await registerModelVersion(handle.db, { role: "boigsd", sourceDir: variantOf("c"), source: "run" });
    expect((await promoteModelVersion(handle.db, adminId, runC.id)).previousVersionId).toBe(runA.id);
    expect(servedBoigSdDir()).toBe(runC.dir);

    const back = await rollbackModel(handle.db, adminId, "boigsd");
    expect([back.activeVersionId, back.previousVersionId]).toEqual([runA.id, null]);
    expect(servedBoigSdDir()).toBe(runA.dir);
    await expectAppError(rollbackModel(handle.db, adminId, "clip"), "CONFLICT"); // never promoted

    const listing = await listModelVersions(handle.db, { role: "boigsd" });
    expect(listing.versions).toHaveLength(5); // committed + a, b (corrupt), d (off), c
    expect(listing.versions.filter((v) => v.active).map((v) => v.id)).toEqual([runA.id]);
    expect(listing.roles[0]).toMatchObject({ role: "boigsd", activeVersionId: runA.id, previousVersionId: null, promotedBy: "admin@models.test", servedDir: runA.dir });
    const a = listing.versions.find((v) => v.id === runA.id)!;
    const manifest = runA.manifest as { training: { command: string }; data: { snapshot: string } };
    expect(a).toMatchObject({ source: "run", kind: "boigsd", trainingCommand: manifest.training.command, dataSnapshot: manifest.data.snapshot });
    expect(typeof a.metrics.final_loss).toBe("number");
    expect((await getModelVersion(handle.db, runA.id)).manifest.files["unet.onnx"]).toBeDefined();

    // The first promotion had no previous version: rolling it back serves the built-in default.
    const builtIn = servedBoigSdDir();
    const toDefault = await rollbackModel(handle.db, adminId, "boigsd");
    expect(toDefault.activeVersionId).toBeNull();
    expect(servedBoigSdDir()).not.toBe(builtIn);
    expect(servedBoigSdDir()).toBe(builtInModelDir("boigsd"));
    await expectAppError(rollbackModel(handle.db, adminId, "boigsd"), "CONFLICT"); // nothing promoted now
    await promoteModelVersion(handle.db, adminId, runA.id); // back for the tests below
  });

  it("records every action in the audit log", async () => {
    const rows = await handle.db.select().from(auditLog).where(like(auditLog.action, "model.%")).orderBy(auditLog.id);
    const actions = rows.map((r) => r.action);
    expect(actions.filter((a) => a === "model.register")).toHaveLength(MODEL_ROLES.length + 4); // committed + a, b, d, c
    expect(actions.filter((a) => a !== "model.register")).toEqual([
      "model.promote",
      "model.promote_failed",
      "model.promote_failed",
      "model.promote",
      "model.rollback",
      "model.rollback",
      "model.promote",
    ]);
    const failed = rows.find((r) => r.action === "model.promote_failed")!;
    expect(failed.actorId).toBe(adminId);
    expect(String((failed.details as { reason: string }).reason)).toMatch(/unet\.onnx/);
    expect(rows.filter((r) => r.action === "model.rollback").map((r) => r.target)).toEqual([runA.id, runA.id]);
  });

  it("passes every committed artifact through the verification a promotion runs", async () => {
    const { versions } = await listModelVersions(handle.db);
    for (const role of MODEL_ROLES) {
      const committed = versions.find((v) => v.role === role && v.source === "committed")!;
      const verification = await verifyModelVersion({ ...committed, role: role as ModelRole });
      expect(verification.golden, `${role} replays a golden fixture`).not.toBeNull();
      expect(verification.files).toBeGreaterThan(0);
    }
  });

  it("renders the Models page from the listing: active version, built-in defaults, accessible buttons", async () => {
    const queryClient = new QueryClient();
    const trpcClient = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: "http://127.0.0.1:9/unused", transformer: superjson })] });
    const trpc = createTRPCOptionsProxy<AppRouter>({ client: trpcClient, queryClient });
    queryClient.setQueryData(trpc.admin.models.list.queryKey(), await listModelVersions(handle.db));
    const page = createElement(TRPCProvider, { trpcClient, queryClient, children: createElement(ModelsAdmin) });
    const html = renderToString(createElement(QueryClientProvider, { client: queryClient }, page)).replaceAll("<!-- -->", "");
    expect(html).toContain(`Active: <span class="font-medium">${runA.name} ${runA.version}</span>`);
    expect(html).toContain(`Built-in default: <span class="break-all font-mono text-xs">${builtInModelDir("boigllm")}</span>`);
    expect(html).toContain(`aria-label="Promote boigsd ${runA.version}-c"`);
    expect(html).not.toContain(`aria-label="Promote boigsd ${runA.version}"`); // the active one
    expect(html).toContain("Roll back boigsd to the built-in default"); // the first promotion rolls back to the default
  });

  it("registers a finished run's artifact from the trainer.run job, with the job id", async () => {
    FAKE_ARTIFACT.dir = variantOf("e");
    const job = await enqueueJob(handle.db, { kind: "trainer.run", payload: {} }, adminId);
    const payload = { task: "sd-base", preset: "tiny", seed: 0, device: "cpu", data: "/unused", settings: {} };
    const noop = async () => {};
    const ctx = { job, payload, db: handle.db, signal: new AbortController().signal, checkpoint: null, progress: noop, log: noop };
    const result = (await trainerRunHandler(ctx as never)) as { modelVersionId: string | null; registrationError: string | null };
    expect(result.registrationError).toBeNull();
    const version = await getModelVersion(handle.db, result.modelVersionId!);
    expect(version).toMatchObject({ role: "boigsd", source: "run", runJobId: job.id, active: false });
    expect(version.dir.startsWith(path.join(temp.dataDir, "models", "boigsd") + path.sep)).toBe(true);
  });
  it("serves a separate reward model: the committed one by default, a promoted version after, never a no-KPI model", async () => {
    const { servedRewardDir, servedBoigLlmDir, loadServedReward } = await import("@/server/services/loadServedBoigLlm");
    const { launchTrainerRun } = await import("@/server/services/launchTrainerRun");
    if (!env().BOIG_REWARD_DIR && !env().BOIG_BOIGLLM_DIR) expect(servedRewardDir()).toBe(path.join(env().repoRoot, "models/artifacts/boigllm-reward"));
    expect(servedRewardDir()).not.toBe(servedBoigLlmDir());
    const committedReward = path.join(env().repoRoot, "models/artifacts/boigllm-reward");
    // A DDPO run launched without a reward model is pinned to the one served at launch.
    const ddpo = await launchTrainerRun(handle.db, { task: "ddpo", data: "/w" }, adminId);
    expect((ddpo.payload as { boigllm?: string }).boigllm).toBe(builtInModelDir("reward"));
    // A no-KPI model cannot be the reward; a behavior one can, and promoting it changes what scores.
    await expectAppError(registerModelVersion(handle.db, { role: "reward", sourceDir: path.join(env().repoRoot, "models/artifacts/boigllm-nokpi"), source: "run" }), "MODEL_INVALID");
    const version = await registerModelVersion(handle.db, { role: "reward", sourceDir: committedReward, source: "run", actorId: adminId });
    await promoteModelVersion(handle.db, adminId, version.id);
    expect(servedRewardDir()).toBe(version.dir);
    expect((await loadServedReward()).artifactDir).toBe(version.dir);
    const pinned = await launchTrainerRun(handle.db, { task: "ddpo", data: "/w", boigllm: "/explicit" }, adminId);
    expect((pinned.payload as { boigllm?: string }).boigllm).toBe("/explicit");
    expect((await launchTrainerRun(handle.db, { task: "ddpo", data: "/w" }, adminId)).payload).toMatchObject({ boigllm: version.dir });
    // Reward runs are BoigLLM behavior runs with the KPI-contrast term.
    const fields = async (input: Parameters<typeof launchTrainerRun>[1]) =>
      (((await launchTrainerRun(handle.db, input, adminId).catch((e: unknown) => e)) as AppError).details?.fields as { path: string }[]).map((f) => f.path);
    expect(await fields({ task: "llm", data: "/i", servesAs: "reward" })).toEqual(["settings.kpi_contrast_weight"]);
    expect(await fields({ task: "llm", data: "/i", variant: "nokpi", servesAs: "reward" })).toContain("servesAs");
    expect(await fields({ task: "sd-base", data: "/w", servesAs: "reward" })).toContain("servesAs");
  });
});
