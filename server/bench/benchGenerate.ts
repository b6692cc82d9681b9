/**
 * Benchmark workload "generate": the time a marketer waits from Generate to N scored variants,
 * through the real path — requestGeneration → the job queue → the interactive worker lane →
 * BoigLLM verbalization, BoigSD sampling, scoring with breakdown, percentiles, true KPI, files
 * and rows saved — on an in-memory database with a small simulated world and the served models.
 * The reference, timed in the same process on the same weights, is the bare model work with no
 * jobs or database (generateImages + scoreImages of the same request): the ratio is the price of
 * durability, fairness and history.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openPglite } from "../db/client";
import { env, resetEnv } from "../env";
import { interactiveJobHandlers } from "../jobs/handlers";
import { startWorker } from "../jobs/worker";
import { createUser } from "../services/createUser";
import { generateImages } from "../services/generateImages";
import { getGeneration } from "../services/getGeneration";
import { importFolder } from "../services/importFolder";
import { listBrands } from "../services/listBrands";
import { requestGeneration } from "../services/requestGeneration";
import { scoreImages } from "../services/scoreImages";
import { verbalizeForPrompt } from "../services/verbalizeForPrompt";
import { verbalizeImages } from "../services/verbalizeImages";
import { generateWorld } from "../world/generateWorld";
import { median } from "./benchModels";

export type Timing = { medianMs: number; runsMs: number[] };


export async function benchGenerate(options: { variants: number; runs: number; log: (line: string) => void }) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "boig-bench-generate-"));
  const savedDataDir = process.env.BOIG_DATA_DIR;
  const savedPerMinute = process.env.BOIG_GENERATIONS_PER_MINUTE;
  process.env.BOIG_DATA_DIR = path.join(root, "data");
  process.env.BOIG_GENERATIONS_PER_MINUTE = "10000"; // the bench is one user asking repeatedly
  resetEnv();
  const handle = await openPglite(null);
  const worker = startWorker(handle.db, { handlers: interactiveJobHandlers, staleSeconds: 30, exclusive: true, pollMs: 20, heartbeatMs: 1000 });
  try {
    options.log("bench generate: preparing a small world (2 brands × 30 posts)…");
    await generateWorld({ seed: 7, brands: 2, postsPerBrand: 30, stockAssets: 10, outDir: path.join(root, "world") });
    await importFolder(handle.db, { dir: path.join(root, "world"), name: "bench" });
    await verbalizeImages(handle.db, { detector: null });
    const user = await createUser(handle.db, { email: "bench@boig.local", password: "bench-password", role: "marketer" }, null);
    const brand = (await listBrands(handle.db))[0]!.name;
    const request = (seed: number) => ({
      brand,
      date: "2024-07-04",
      prompt: "summer launch of the new bottle on the beach",
      keywords: ["summer", "bottle"],
      targetKpi: "high" as const,
      variants: options.variants,
      seed,
    });

    const ours = async (seed: number) => {
      const started = performance.now();
      const { id } = await requestGeneration(handle.db, user.id, request(seed));
      for (;;) {
        const g = await getGeneration(handle.db, { id: user.id, role: "marketer" }, id);
        if (g.status === "succeeded") break;
        if (g.status === "failed" || g.status === "cancelled") throw new Error(`bench generation ${g.status}: ${g.error}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return performance.now() - started;
    };
    const reference = async (seed: number) => {
      const started = performance.now();
      const fields = request(seed);
      await verbalizeForPrompt(fields);
      const generated = await generateImages({ ...fields, steps: undefined });
      await scoreImages(generated.images.map((image) => ({ ...fields, image: image.png, detector: "scene" as const })));
      return performance.now() - started;
    };

    options.log("bench generate: warm-up (loads the models, computes the brand baseline)…");
    await ours(1000);
    await reference(1000);
    const oursMs: number[] = [];
    const referenceMs: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      // Alternate so drift (thermal, other load) hits both sides alike.
      oursMs.push(await ours(run));
      referenceMs.push(await reference(run));
      options.log(`bench generate: run ${run + 1}/${options.runs}: ours ${oursMs.at(-1)!.toFixed(0)} ms, reference ${referenceMs.at(-1)!.toFixed(0)} ms`);
    }
    return {
      workload: `generate ${options.variants} scored variants (end to end)`,
      ours: { medianMs: median(oursMs), runsMs: oursMs } satisfies Timing,
      reference: { medianMs: median(referenceMs), runsMs: referenceMs, what: "generateImages + scoreImages in-process, no jobs or database" },
      ratio: median(referenceMs) / median(oursMs),
      models: { boigsd: env().BOIG_BOIGSD_DIR ?? "models/artifacts/boigsd", boigllm: env().BOIG_BOIGLLM_DIR ?? "models/artifacts/boigllm" },
    };
  } finally {
    await worker.stop();
    await handle.close();
    const restore = (key: string, value: string | undefined) => (value === undefined ? delete process.env[key] : (process.env[key] = value));
    restore("BOIG_DATA_DIR", savedDataDir);
    restore("BOIG_GENERATIONS_PER_MINUTE", savedPerMinute);
    resetEnv();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
