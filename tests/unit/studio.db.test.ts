/**
 * The marketer workspace services on a real database and the tiny test models: a generation
 * queued, run by the worker's interactive lane, its variants scored with percentiles among the
 * brand's own posts and the simulator's true KPI; determinism and resume; rate limits; fair
 * claiming between users; compare with its recommendation; a scored upload; History; the ZIP.
 */
import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/server/db/client";
import { generationImages, generations, jobs } from "@/server/db/schema";
import { createTestDb, testDbKind } from "@/server/db/testing";
import { resetEnv } from "@/server/env";
import { AppError } from "@/server/errors";
import { interactiveJobHandlers } from "@/server/jobs/handlers";
import { claimNextJob } from "@/server/jobs/queue";
import { startWorker } from "@/server/jobs/worker";
import { cancelGeneration } from "@/server/services/cancelGeneration";
import { compareImages } from "@/server/services/compareImages";
import { createUser } from "@/server/services/createUser";
import { csvRow, exportCampaign } from "@/server/services/exportCampaign";
import { getGeneration } from "@/server/services/getGeneration";
import { MIN_BASELINE_POSTS, percentileOf } from "@/server/services/getRewardBaseline";
import { importFolder } from "@/server/services/importFolder";
import { listGenerations } from "@/server/services/listGenerations";
import { readGenerationImage } from "@/server/services/readGenerationImage";
import { requestGeneration } from "@/server/services/requestGeneration";
import { saveScoredUpload } from "@/server/services/saveScoredUpload";
import { verbalizeImages } from "@/server/services/verbalizeImages";
import { generateWorld } from "@/server/world/generateWorld";
import { useTempDataDir } from "./tempDataDir";

const LLM_DIR = path.resolve("tests/fixtures/llm/boigllm-tiny");
const SD_DIR = path.resolve("tests/fixtures/sd/boigsd-tiny");
const PHOTO = path.resolve("tests/fixtures/photos/coffee.jpg");

async function expectAppError(promise: Promise<unknown>, code: string, fieldPath?: string) {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe(code);
    if (fieldPath) {
      const fields = ((error as AppError).details?.fields ?? []) as { path: string }[];
      expect(fields.map((f) => f.path)).toContain(fieldPath);
    }
    return error as AppError;
  }
  throw new Error(`expected ${code}, got success`);
}

describe(`marketer workspace (${testDbKind()})`, () => {
  let handle: DbHandle;
  const temp = useTempDataDir("studio");
  const saved = { llm: process.env.BOIG_BOIGLLM_DIR, sd: process.env.BOIG_BOIGSD_DIR };
  let lena: { id: string; role: "marketer" };
  let omar: { id: string; role: "marketer" };
  let brand = "";
  let brandPosts = 0;
  let worker: ReturnType<typeof startWorker> | null = null;

  const request = (overrides: Record<string, unknown> = {}) => ({
    brand,
    date: "2025-06-01",
    prompt: "summer sale on iced coffee",
    keywords: ["coffee", "summer"],
    targetKpi: "high" as const,
    variants: 3,
    seed: 11,
    ...overrides,
  });

  async function waitFor(generationId: string, user = lena, timeoutMs = 120_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const g = await getGeneration(handle.db, user, generationId);
      if (["succeeded", "failed", "cancelled"].includes(g.status)) return g;
      if (Date.now() > deadline) throw new Error(`generation still ${g.status}: ${g.progress?.message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    temp.enter();
    process.env.BOIG_BOIGLLM_DIR = LLM_DIR;
    process.env.BOIG_BOIGSD_DIR = SD_DIR;
    resetEnv();
    handle = await createTestDb();
    const worldDir = path.join(temp.root, "world");
    await generateWorld({ seed: 3, brands: 2, postsPerBrand: 30, stockAssets: 12, outDir: worldDir });
    await importFolder(handle.db, { dir: worldDir, name: "w" });
    await verbalizeImages(handle.db, { detector: null });
    const u1 = await createUser(handle.db, { email: "lena@studio.test", password: "password123", role: "marketer" }, null);
    const u2 = await createUser(handle.db, { email: "omar@studio.test", password: "password123", role: "marketer" }, null);
    lena = { id: u1.id, role: "marketer" };
    omar = { id: u2.id, role: "marketer" };
    const { listBrands } = await import("@/server/services/listBrands");
    const brands = await listBrands(handle.db);
    brand = brands[0]!.name;
    brandPosts = brands[0]!.posts;
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await handle?.close();
    process.env.BOIG_BOIGLLM_DIR = saved.llm ?? "";
    process.env.BOIG_BOIGSD_DIR = saved.sd ?? "";
    if (!saved.llm) delete process.env.BOIG_BOIGLLM_DIR;
    if (!saved.sd) delete process.env.BOIG_BOIGSD_DIR;
    temp.leave();
  });

  it("refuses bad requests field by field", async () => {
    await expectAppError(requestGeneration(handle.db, lena.id, request({ variants: 9 })), "BAD_INPUT", "variants");
    await expectAppError(requestGeneration(handle.db, lena.id, request({ variants: 0 })), "BAD_INPUT", "variants");
    await expectAppError(requestGeneration(handle.db, lena.id, request({ brand: "no_such_brand" })), "BAD_INPUT", "brand");
    await expectAppError(requestGeneration(handle.db, lena.id, request({ targetKpi: "medium" })), "BAD_INPUT", "targetKpi");
    await expectAppError(requestGeneration(handle.db, lena.id, request({ date: "next tuesday" })), "BAD_INPUT", "date");
    expect(await handle.db.select().from(generations)).toHaveLength(0); // nothing half-saved
  });

  it("percentiles rank among the baseline with ties counted half", () => {
    expect(percentileOf([1, 2, 3, 4], 0)).toBe(0);
    expect(percentileOf([1, 2, 3, 4], 5)).toBe(100);
    expect(percentileOf([1, 2, 3, 4], 3)).toBe(62.5);
    expect(percentileOf([2, 2], 2)).toBe(50);
  });

  let first: Awaited<ReturnType<typeof getGeneration>>;

  it("runs a generation: verbalization, then every variant scored, with percentiles and the true KPI", async () => {
    expect(brandPosts).toBeGreaterThanOrEqual(MIN_BASELINE_POSTS);
    const { id } = await requestGeneration(handle.db, lena.id, request());
    const queued = await getGeneration(handle.db, lena, id);
    expect(queued.status).toBe("queued");
    expect(queued.images).toHaveLength(0);
    worker = startWorker(handle.db, { handlers: interactiveJobHandlers, staleSeconds: 30, exclusive: false, pollMs: 50, heartbeatMs: 500 });
    first = await waitFor(id);
    expect(first.status, first.error ?? "").toBe("succeeded");
    expect(first.verbalization).toMatchObject({ canonical: expect.stringMatching(/^colors /) });
    expect(Object.keys(first.models).sort()).toEqual(["boigllm", "boigsd", "detector"]);
    expect(first.images.map((i) => [i.position, i.seed])).toEqual([[0, 11], [1, 12], [2, 13]]);
    for (const image of first.images) {
      expect(Number.isFinite(image.rewardCalibrated)).toBe(true);
      expect(image.probabilityHigh).toBeGreaterThan(0);
      expect(image.percentileCalibrated).toBeGreaterThanOrEqual(0);
      expect(image.percentileCalibrated).toBeLessThanOrEqual(100);
      expect(image.percentilePaper).not.toBeNull();
      expect(image.trueKpi).toBeGreaterThan(0); // the world's hidden model is next to the data
      expect(image.url).toBe(`/api/images/${image.id}`);
    }
    const png = await readGenerationImage(handle.db, lena, first.images[0]!.id);
    expect(png.contentType).toBe("image/png");
    expect([...png.bytes.subarray(1, 4)].map((c) => String.fromCharCode(c)).join("")).toBe("PNG");
  }, 180_000);

  it("keeps generations private: another marketer gets NOT_FOUND", async () => {
    await expectAppError(getGeneration(handle.db, omar, first.id), "NOT_FOUND");
    await expectAppError(readGenerationImage(handle.db, omar, first.images[0]!.id), "NOT_FOUND");
    await expectAppError(compareImages(handle.db, omar, { imageIds: [first.images[0]!.id] }), "NOT_FOUND");
    await expectAppError(readGenerationImage(handle.db, lena, "../../etc/passwd"), "NOT_FOUND");
  });

  it("resumes a generation whose worker died: only the missing variant is made, identical to the lost one", async () => {
    const lost = first.images[1]!;
    await handle.db.delete(generationImages).where(eq(generationImages.id, lost.id));
    await handle.db.update(generations).set({ status: "running", finishedAt: null }).where(eq(generations.id, first.id));
    // The job as a dead worker left it: running, heartbeat long gone → requeued by recovery.
    await handle.db.update(jobs).set({ status: "queued", progress: 0.5 }).where(eq(jobs.id, first.jobId!));
    const resumed = await waitFor(first.id);
    expect(resumed.status).toBe("succeeded");
    expect(resumed.images.map((i) => i.position)).toEqual([0, 1, 2]);
    expect(resumed.images[0]!.id).toBe(first.images[0]!.id); // kept, not redone
    const [redone] = await handle.db.select().from(generationImages).where(eq(generationImages.id, resumed.images[1]!.id));
    const [kept] = await handle.db.select().from(generationImages).where(eq(generationImages.id, resumed.images[0]!.id));
    expect(redone!.seed).toBe(12);
    expect(redone!.rewardCalibrated).toBeCloseTo(lost.rewardCalibrated, 5); // same seed, same image, same score
    expect(kept!.sha256).not.toBe(redone!.sha256);
    first = resumed;
  }, 120_000);

  it("compares images and recommends the highest predicted KPI, in words", async () => {
    const ids = first.images.map((i) => i.id);
    const result = await compareImages(handle.db, lena, { imageIds: ids });
    const best = [...first.images].sort((a, b) => b.rewardCalibrated - a.rewardCalibrated)[0]!;
    expect(result.recommendation.imageId).toBe(best.id);
    expect(result.ranking[0]).toBe(best.id);
    expect(result.recommendation.title).toBe(`Recommended: Variant ${best.position + 1}`);
    expect(result.recommendation.reason).toMatch(/predicted chance of a high-KPI post/);
    expect(result.recommendation.reason).toMatch(new RegExp(`of ${brand}'s own posts`));
    await expectAppError(compareImages(handle.db, lena, { imageIds: Array.from({ length: 11 }, () => ids[0]!) }), "BAD_INPUT", "imageIds");
    await expectAppError(compareImages(handle.db, lena, { imageIds: [] }), "BAD_INPUT", "imageIds");
  });

  it("scores an uploaded photo with COCO, saves it to History, and it joins a comparison", async () => {
    const upload = await saveScoredUpload(handle.db, { id: lena.id, role: "marketer" }, {
      brand,
      date: "2025-06-02",
      prompt: "our coffee, photographed",
      image: new Uint8Array(fs.readFileSync(PHOTO)),
      fileName: "/tmp/../coffee.jpg",
    });
    expect(upload.source).toBe("upload");
    expect(upload.images).toHaveLength(1);
    expect(upload.images[0]!.fileName).toBe("coffee.jpg"); // a name, never a path
    expect((upload.images[0]!.detector as { choice: string }).choice).toBe("coco");
    const compared = await compareImages(handle.db, lena, { imageIds: [upload.images[0]!.id, first.images[0]!.id] });
    expect(compared.items.map((i) => i.label)).toEqual(["Upload coffee.jpg", "Variant 1"]);

    const history = await listGenerations(handle.db, lena, { brand });
    expect(history.items.map((i) => i.id)).toEqual([upload.id, first.id]); // newest first
    expect(history.items[1]!.images).toHaveLength(3);
    expect((await listGenerations(handle.db, omar, {})).items).toHaveLength(0);
    const paged = await listGenerations(handle.db, lena, { limit: 1 });
    expect(paged.items).toHaveLength(1);
    const next = await listGenerations(handle.db, lena, { limit: 1, cursor: paged.nextCursor! });
    expect(next.items[0]!.id).toBe(first.id);
  }, 60_000);

  it("refuses a broken upload with a clear error and saves nothing", async () => {
    const before = (await handle.db.select().from(generations)).length;
    await expectAppError(
      saveScoredUpload(handle.db, { id: lena.id, role: "marketer" }, { brand, date: "2025-06-02", prompt: "x", image: new Uint8Array([1, 2, 3]) }),
      "BAD_INPUT",
    );
    expect((await handle.db.select().from(generations)).length).toBe(before);
  });

  it("exports the brand's campaign as a ZIP of images plus scores.csv", async () => {
    const zip = await exportCampaign(handle.db, lena, { brand });
    expect(zip.generations).toBe(2);
    const files = unzipSync(zip.bytes);
    const names = Object.keys(files).sort();
    expect(names.filter((n) => n.endsWith(".png"))).toHaveLength(3);
    expect(names.filter((n) => n.endsWith(".jpg"))).toHaveLength(1);
    const csv = new TextDecoder().decode(files["scores.csv"]!).trim().split("\r\n");
    expect(csv[0]).toMatch(/^generation_id,created_at,source,brand,/);
    expect(csv).toHaveLength(5);
    for (const name of names.filter((n) => n !== "scores.csv")) expect(csv.some((line) => line.includes(name))).toBe(true);
    await expectAppError(exportCampaign(handle.db, omar, { generationIds: [first.id] }), "NOT_FOUND");
    await expectAppError(exportCampaign(handle.db, lena, {}), "BAD_INPUT");
  });

  it("quotes CSV cells and defuses spreadsheet formulas", () => {
    expect(csvRow(["a,b", 'say "hi"', "=HYPERLINK(1)", "-3.5", 2, "@x"])).toBe(`"a,b","say ""hi""",'=HYPERLINK(1),-3.5,2,'@x`);
  });

  it("rate-limits per user with a clear RATE_LIMITED, and cancels a queued generation", async () => {
    await worker?.stop();
    worker = null;
    process.env.BOIG_GENERATIONS_PER_MINUTE = "3"; // lena already made 1 this minute
    resetEnv();
    try {
      const a = await requestGeneration(handle.db, lena.id, request({ variants: 1 }));
      await requestGeneration(handle.db, lena.id, request({ variants: 1 }));
      const error = await expectAppError(requestGeneration(handle.db, lena.id, request({ variants: 1 })), "RATE_LIMITED");
      expect(error.message).toMatch(/at most 3 per minute/);
      expect(error.details?.retryAfterSeconds).toBe(60);
      await requestGeneration(handle.db, omar.id, request({ variants: 1 })); // others are not limited by lena
      const cancelled = await cancelGeneration(handle.db, lena, a.id);
      expect(cancelled.status).toBe("cancelled");
      await expectAppError(cancelGeneration(handle.db, lena, a.id), "CONFLICT");
    } finally {
      delete process.env.BOIG_GENERATIONS_PER_MINUTE;
      resetEnv();
    }
  });

  it("serves users in rounds: one user's backlog does not starve another", async () => {
    await handle.db.delete(jobs);
    const enqueue = async (user: string, label: string) => {
      await handle.db.insert(jobs).values({ kind: "fairness.test", payload: { label }, createdBy: user });
      await new Promise((r) => setTimeout(r, 5)); // distinct created_at
    };
    await enqueue(lena.id, "lena-1");
    await enqueue(lena.id, "lena-2");
    await enqueue(lena.id, "lena-3");
    await enqueue(omar.id, "omar-1");
    const order: string[] = [];
    for (;;) {
      const job = await claimNextJob(handle.db, "test-worker", ["fairness.test"]);
      if (!job) break;
      order.push((job.payload as { label: string }).label);
    }
    expect(order).toEqual(["lena-1", "omar-1", "lena-2", "lena-3"]);
  });
});
