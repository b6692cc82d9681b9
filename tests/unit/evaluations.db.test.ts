/**
 * Admin → Evaluation on a real database: launchEvaluation checks its input field by field
 * (nothing is queued on a mistake), resolves registry version ids and folders to model folders
 * and audits `eval.launch`; an `eval.run` job run by a real worker stores the full Table 1 report
 * (both datasets, win counts) and Table 2 report (every dataset × bucket × model) with the tiny
 * fixture models; getEvaluation returns the previous succeeded run of the same table for deltas,
 * and listEvaluations summarizes each run. Marketers get FORBIDDEN on admin.evals.*.
 */
import fs from "node:fs";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import { and, eq } from "drizzle-orm";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EvaluationAdmin } from "@/components/evals/EvaluationAdmin";
import { TRPCProvider } from "@/components/trpc";
import { appRouter, type AppRouter } from "@/server/api/root";
import { createCallerFactory } from "@/server/api/trpc";
import type { DbHandle } from "@/server/db/client";
import { auditLog, jobs } from "@/server/db/schema";
import { createTestDb, testDbKind } from "@/server/db/testing";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";
import type { EvalLlmReport } from "@/server/eval/evalLlm";
import type { SdEvalReport } from "@/server/eval/evalSd";
import { demoInstructionPaths } from "@/server/eval/demoInstructions";
import { ensureDemoInstructionsInChild } from "@/server/jobs/demoDataProcess";
import { backgroundJobHandlers } from "@/server/jobs/handlers";
import { evalRunHandler, type EvalRunPayload } from "@/server/jobs/handlers/evalRun";
import { startWorker } from "@/server/jobs/worker";
import { builtInModelDir } from "@/server/services/activeModels";
import { cancelJob } from "@/server/services/cancelJob";
import { createUser } from "@/server/services/createUser";
import { getEvaluation } from "@/server/services/getEvaluation";
import { COMMITTED_EVAL_MODELS, launchEvaluation, type LaunchEvaluationInput } from "@/server/services/launchEvaluation";
import { listEvaluations } from "@/server/services/listEvaluations";
import { listModelVersions } from "@/server/services/listModelVersions";
import { registerModelVersion } from "@/server/services/registerModelVersion";
import { generateWorld } from "@/server/world/generateWorld";
import { useTempDataDir } from "./tempDataDir";
import { pollUntil } from "./pollUntil";

const LLM = path.resolve("tests/fixtures/llm");
const BOIGLLM = path.join(LLM, "boigllm-tiny");
const NOKPI = path.join(LLM, "boigllm-tiny-nokpi");
// Built from the world generateWorld({ seed: 3, brands: 3, postsPerBrand: 60 }) writes (docs/boigllm.md).
const INSTRUCTIONS = path.join(LLM, "instructions");
const SD = path.resolve("tests/fixtures/sd/boigsd-tiny");

const waitFor = <T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 150_000) => pollUntil(probe, ok, timeoutMs);
const finished = (e: { status: string }) => ["succeeded", "failed", "cancelled"].includes(e.status);

describe(`evaluations (${testDbKind()})`, () => {
  const temp = useTempDataDir("evaluations");
  let handle: DbHandle;
  let worker: ReturnType<typeof startWorker> | undefined;
  let adminId: string;
  let marketer: { id: string; email: string; name: string; role: "marketer" };
  let boigllmVersionId: string;
  let boigsdVersionId: string;
  let firstLlm: string;

  /** The field paths of the BAD_INPUT a launch fails with. */
  async function fieldsOf(input: unknown): Promise<Record<string, string>> {
    const error = await launchEvaluation(handle.db, input as LaunchEvaluationInput, adminId).then(() => null, (e: unknown) => e);
    expect(error, JSON.stringify(input)).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("BAD_INPUT");
    return Object.fromEntries(((error as AppError).details!.fields as { path: string; message: string }[]).map((f) => [f.path, f.message]));
  }
  const evalJobs = () => handle.db.select().from(jobs).where(eq(jobs.kind, "eval.run"));

  beforeAll(async () => {
    temp.enter();
    handle = await createTestDb();
    adminId = (await createUser(handle.db, { email: "admin@evals.test", password: "password123", role: "admin" }, null)).id;
    const m = await createUser(handle.db, { email: "marketer@evals.test", password: "password123", role: "marketer" }, null);
    marketer = { id: m.id, email: m.email, name: m.name, role: "marketer" };
    boigllmVersionId = (await registerModelVersion(handle.db, { role: "boigllm", sourceDir: BOIGLLM, source: "committed" })).id;
    boigsdVersionId = (await registerModelVersion(handle.db, { role: "boigsd", sourceDir: SD, source: "committed" })).id;
  });
  afterAll(async () => {
    await worker?.stop();
    await handle?.close();
    temp.leave();
  });

  it("registers eval.run among the background jobs", () => {
    expect(backgroundJobHandlers["eval.run"]).toBe(evalRunHandler);
  });

  it("rejects bad input field by field and queues nothing", async () => {
    expect(await fieldsOf({ table: "table3" })).toEqual({ table: "must be llm (Table 1) or sd (Table 2)" });
    const llm = await fieldsOf({ table: "llm", size: { limit: 0 } });
    expect(llm["size.limit"]).toBe("must be at least 1");
    expect((await fieldsOf({ table: "llm", size: { limit: 2.5 } }))["size.limit"]).toBe("must be a whole number");
    expect((await fieldsOf({ table: "llm", decoding: "beam" })).decoding).toBe("must be one of greedy, mbr, mbr-sections");
    // Checked against the folders and the registry (a second pass, all fields at once).
    const models = await fieldsOf({ table: "llm", models: { boigllm: "/nowhere/boigllm", nokpi: BOIGLLM }, data: temp.root });
    expect(models["models.boigllm"]).toMatch(/^has no model at \/nowhere\/boigllm \(no manifest\.json\)$/);
    expect(models["models.nokpi"]).toMatch(/^is a behavior BoigLLM .* needs the nokpi variant$/);
    expect(models.data).toMatch(/^is not an instruction folder .* has no train\.jsonl, test\.jsonl$/);
    const wrongRole = await fieldsOf({ table: "llm", models: { boigllm: boigsdVersionId } });
    expect(wrongRole["models.boigllm"]).toBe("is a boigsd version; BoigLLM needs a boigllm model");

    const sd = await fieldsOf({ table: "sd", size: { prompts: 100, samples: 0 }, data: INSTRUCTIONS });
    expect(sd).toMatchObject({ "size.prompts": "must be at most 64", "size.samples": "must be at least 1" });
    expect(sd.world).toMatch(/^is required with your own instruction folder/);
    const sdModels = await fieldsOf({ table: "sd", models: { base: "00000000-0000-4000-8000-000000000000", boigsd: BOIGLLM }, data: INSTRUCTIONS, world: temp.root });
    expect(sdModels["models.base"]).toBe("is not a registered model version");
    expect(sdModels["models.boigsd"]).toMatch(/^holds a boigllm model at .*; BoigSD needs a boigsd model$/);
    expect(sdModels.world).toMatch(/^is not a `boig world` folder: .* has no world\.json$/);
    expect(await evalJobs()).toHaveLength(0);

    const caller = createCallerFactory(appRouter)({ db: handle.db, user: { id: adminId, email: "admin@evals.test", name: "", role: "admin" } });
    const viaTrpc = await caller.admin.evals.launch({ table: "llm", size: { limit: -1 } }).catch((e: unknown) => e);
    expect(viaTrpc).toBeInstanceOf(TRPCError);
    expect((viaTrpc as TRPCError).code).toBe("BAD_REQUEST");
  });

  it("defaults like the CLI: the served BoigLLM / BoigSD and the committed baselines", async () => {
    // Queued before any worker runs, and cancelled at once: the demo data would take minutes to build.
    const llm = await launchEvaluation(handle.db, { table: "llm" }, adminId);
    const sd = await launchEvaluation(handle.db, { table: "sd", models: { boigsd: boigsdVersionId } }, adminId);
    for (const job of [llm, sd]) expect((await cancelJob(handle.db, job.id, adminId)).status).toBe("cancelled");
    const repo = (p: string) => path.join(env().repoRoot, p);
    expect(llm.payload).toMatchObject({
      table: "llm",
      models: { boigllm: { dir: builtInModelDir("boigllm"), versionId: null }, nokpi: { dir: repo(COMMITTED_EVAL_MODELS.nokpi), name: "boigllm-nokpi" } },
      size: { limit: 1000 }, // the whole test split, as the CLI
      decoding: "greedy",
      data: null,
    });
    expect(sd.payload).toMatchObject({
      table: "sd",
      models: { base: { dir: repo(COMMITTED_EVAL_MODELS.base) }, sft: { dir: repo(COMMITTED_EVAL_MODELS.sft) }, boigsd: { dir: SD, versionId: boigsdVersionId } },
      size: { prompts: 4, samples: 2 },
      data: null,
      world: null,
    });
  });

  it("runs Table 1 as a job and stores the full report; a second run has the first as previous", async () => {
    worker = startWorker(handle.db, { handlers: backgroundJobHandlers, staleSeconds: 30, exclusive: false, pollMs: 100, heartbeatMs: 300 });
    const started = performance.now();
    // BoigLLM by registry version id, the no-KPI baseline by a folder relative to the repo root.
    const job = await launchEvaluation(
      handle.db,
      { table: "llm", models: { boigllm: boigllmVersionId, nokpi: "tests/fixtures/llm/boigllm-tiny-nokpi" }, size: { limit: 2 }, data: INSTRUCTIONS },
      adminId,
    );
    firstLlm = job.id;
    const payload = job.payload as EvalRunPayload;
    expect(payload.models).toEqual({
      boigllm: { dir: BOIGLLM, versionId: boigllmVersionId, name: "boigllm", version: expect.any(String) },
      nokpi: { dir: NOKPI, versionId: null, name: "boigllm-nokpi", version: expect.any(String) },
    });
    const [audit] = await handle.db.select().from(auditLog).where(and(eq(auditLog.action, "eval.launch"), eq(auditLog.target, job.id)));
    expect(audit).toMatchObject({ actorId: adminId, details: { table: "llm", size: { limit: 2 } } });

    const done = await waitFor(() => getEvaluation(handle.db, job.id), finished);
    console.log(`Table 1 job (limit 2): ${((performance.now() - started) / 1000).toFixed(1)} s`);
    expect(done.status, done.error ?? "").toBe("succeeded");
    expect(done.progress).toBe(1);
    expect(done.table).toBe("llm");
    const report = done.report as EvalLlmReport;
    expect(report.datasets.map((d) => d.dataset)).toEqual(["world/social", "world/stock"]);
    for (const d of report.datasets) {
      expect(d.buckets.every((b) => b.images === 2)).toBe(true);
      for (const id of ["nokpi", "shot3", "shot5"] as const) expect(d.wins[id]).toMatchObject({ of: 9, wins: expect.any(Number) });
      expect(d.issueTarget.required).toBe(7);
    }
    expect(report.models.boigllm.dir).toBe(BOIGLLM);
    expect(done.previous).toBeNull();

    const second = await launchEvaluation(
      handle.db, { table: "llm", models: { boigllm: BOIGLLM, nokpi: NOKPI }, size: { limit: 1 }, decoding: "mbr-sections", data: INSTRUCTIONS }, adminId,
    );
    // The registered folder given by path is still recognized as that version.
    expect((second.payload as Extract<EvalRunPayload, { table: "llm" }>).models.boigllm.versionId).toBe(boigllmVersionId);
    const secondDone = await waitFor(() => getEvaluation(handle.db, second.id), finished);
    expect(secondDone.status, secondDone.error ?? "").toBe("succeeded");
    expect(secondDone.previous?.id).toBe(job.id);
    expect((secondDone.previous?.report as EvalLlmReport).datasets[0]!.buckets[0]!.images).toBe(2);
    expect((secondDone.report as EvalLlmReport).datasets[0]!.buckets[0]!.images).toBe(1);
    expect(report.options.decoding).toMatch(/^greedy/);
    expect((secondDone.report as EvalLlmReport).options.decoding).toMatch(/^MBR by section \(colors, tones, objects chosen separately\): Table 1 utility over greedy \+ 16 samples/);

    const list = await listEvaluations(handle.db);
    expect(list.map((e) => e.id).slice(0, 2)).toEqual([second.id, job.id]);
    const summary = list.find((e) => e.id === job.id)!.summary;
    expect(summary).toEqual({
      table: "llm",
      datasets: report.datasets.map((d) => ({
        dataset: d.dataset, kind: d.kind, images: d.images, required: 7,
        wins: { nokpi: d.wins.nokpi.wins, shot3: d.wins.shot3.wins, shot5: d.wins.shot5.wins },
        kpiLabelAccuracy: d.kpiLabel.overall.accuracy,
      })),
    });
    expect(list.filter((e) => e.status === "cancelled").every((e) => e.summary === null)).toBe(true);
  }, 300_000);

  it("runs Table 2 as a job on a tiny world, with its own previous (not Table 1's)", async () => {
    const world = path.join(temp.root, "world");
    await generateWorld({ seed: 3, brands: 3, postsPerBrand: 60, outDir: world });
    const started = performance.now();
    const job = await launchEvaluation(
      handle.db,
      { table: "sd", models: { base: SD, sft: SD, boigsd: boigsdVersionId }, size: { prompts: 1, samples: 2 }, data: INSTRUCTIONS, world },
      adminId,
    );
    const done = await waitFor(() => getEvaluation(handle.db, job.id), finished);
    console.log(`Table 2 job (1 prompt x 2 samples): ${((performance.now() - started) / 1000).toFixed(1)} s`);
    expect(done.status, done.error ?? "").toBe("succeeded");
    const report = done.report as SdEvalReport;
    // world/social high+low, world/stock high+medium+low; three models each.
    expect(report.rows).toHaveLength(15);
    expect(report.models.map((m) => m.label)).toEqual(["base", "SFT", "BoigSD"]);
    for (const row of report.rows) {
      expect(row.images).toBe(2);
      expect(Number.isFinite(row.trueKpi)).toBe(true);
      expect(Number.isFinite(row.trueKpiRewardDetector)).toBe(true);
      expect(Number.isFinite(row.rewardPaper)).toBe(true);
      expect(row.extra).toHaveProperty("quality");
    }
    expect(done.previous).toBeNull();
    const summary = (await listEvaluations(handle.db)).find((e) => e.id === job.id)!.summary;
    // The same model three times: BoigSD's true KPI equals base's and SFT's.
    expect(summary).toEqual({
      table: "sd",
      datasets: [
        { dataset: "world/social", trueKpiVsBase: 0, trueKpiVsSft: 0 },
        { dataset: "world/stock", trueKpiVsBase: 0, trueKpiVsSft: 0 },
      ],
    });
    expect((await getEvaluation(handle.db, firstLlm)).previous).toBeNull();
  }, 180_000);

  it("builds the default demo data in a child process, which a cancel stops", async () => {
    const paths = demoInstructionPaths(true);
    const abort = new AbortController();
    const notes: string[] = [];
    const build = ensureDemoInstructionsInChild({ signal: abort.signal, onInfo: (m) => notes.push(m) }).then(() => "built", (e: unknown) => e);
    // The child is really working: it starts writing the seed-7 world into this test's data dir.
    await waitFor(async () => fs.existsSync(paths.world), Boolean, 60_000);
    abort.abort(new Error("cancelled by the test"));
    expect(await build).toMatchObject({ message: "cancelled by the test" });
    expect(notes.at(-1)).toMatch(/^Building the demo world's instructions \(seed 7\) into .*: several minutes, the first time only$/);
    expect(fs.existsSync(path.join(paths.instructions, "test.jsonl"))).toBe(false);
  }, 90_000);

  it("renders the Evaluation page from the stored runs", async () => {
    const queryClient = new QueryClient();
    const trpcClient = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: "http://127.0.0.1:9/unused", transformer: superjson })] });
    const trpc = createTRPCOptionsProxy<AppRouter>({ client: trpcClient, queryClient });
    const list = await listEvaluations(handle.db);
    queryClient.setQueryData(trpc.admin.evals.list.queryKey({ limit: 50 }), list);
    queryClient.setQueryData(trpc.admin.evals.get.queryKey({ id: list[0]!.id }), await getEvaluation(handle.db, list[0]!.id));
    queryClient.setQueryData(trpc.admin.models.list.queryKey(), await listModelVersions(handle.db));
    queryClient.setQueryData(trpc.admin.runs.list.queryKey({ limit: 50 }), []);
    const page = createElement(TRPCProvider, { trpcClient, queryClient, children: createElement(EvaluationAdmin) });
    const out = renderToString(createElement(QueryClientProvider, { client: queryClient }, page)).replaceAll("<!-- -->", "");
    expect(out).toContain('aria-label="Run an evaluation"');
    expect(out).toMatch(/<option value="llm"[^>]*>Table 1 \(BoigLLM\)<\/option><option value="sd">Table 2 \(BoigSD\)<\/option>/);
    expect(out).toContain(`<option value="${boigllmVersionId}">boigllm `); // the registry's BoigLLM versions
    expect(out).toContain("Run evaluation</button>");
    expect(out.match(/data-testid="evaluation-row"/g)).toHaveLength(list.length);
    expect(out).toContain("world/social: vs no-KPI"); // a Table 1 summary
    expect(out).toContain("world/stock: BoigSD true KPI +0.0% vs base"); // the Table 2 summary
    // The newest (Table 2) is shown: its table per dataset, the paper's beside it, no earlier run to compare with.
    expect(out).toContain('aria-label="Table 2, world/stock"');
    expect(out).toContain("The paper&#x27;s Table 2 — Stock");
    expect(out).toContain("No earlier evaluation of this table");
  });

  it("is for admins only", async () => {
    const caller = createCallerFactory(appRouter)({ db: handle.db, user: marketer });
    await expect(caller.admin.evals.list()).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(caller.admin.evals.launch({ table: "llm" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(getEvaluation(handle.db, "00000000-0000-4000-8000-000000000000")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
