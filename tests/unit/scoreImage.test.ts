/**
 * Scoring images end to end (server/services/scoreImages.ts) with the tiny behavior model:
 * a world render (auto → scene detector) and a real photo (auto → COCO) are verbalized and
 * scored, the reward is exactly computeRewards on the verbalization that was read, bad bytes
 * and bad fields are badInput naming the field, and a missing model is UNAVAILABLE.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/server/errors";
import { readRecords } from "@/server/import/readRecords";
import { socialRowSchema } from "@/server/import/rowSchemas";
import { loadBoigLlm } from "@/server/ml/boigLlm";
import { computeRewards, rewardRequest } from "@/server/llm/reward";
import { autoDetector, scoreImage, scoreImages } from "@/server/services/scoreImages";
import { parseCanonicalText, toCanonicalText } from "@/server/verbalize/canonical";
import { generateWorld } from "@/server/world/generateWorld";

const fixtures = fileURLToPath(new URL("../fixtures", import.meta.url));
const modelDir = path.join(fixtures, "llm/boigllm-tiny");
const options = { modelDir };
const photo = new Uint8Array(fs.readFileSync(path.join(fixtures, "photos/dog.jpg")));

let root: string;
let render: Uint8Array;
let post: { account: string; postedAt: string; text: string; keywords: string[] };

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "boig-score-"));
  await generateWorld({ seed: 3, brands: 2, postsPerBrand: 6, stockAssets: 2, outDir: root });
  for await (const record of readRecords(path.join(root, "social/posts.csv"))) {
    const row = socialRowSchema.parse(record.ok ? record.values : null);
    post = { account: row.account, postedAt: row.posted_at.toISOString(), text: row.text, keywords: row.keywords };
    render = new Uint8Array(fs.readFileSync(path.join(root, "social", row.media[0]!)));
    break;
  }
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** The AppError a call rejects with (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<AppError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}
const fieldPaths = (e: AppError) => (e.details?.fields as { path: string }[] | undefined)?.map((f) => f.path);

describe("scoreImage", () => {
  it("scores a world render: scene detector, canonical verbalization, reward = computeRewards on it", async () => {
    const input = { brand: post.account, date: post.postedAt, prompt: post.text, keywords: post.keywords, image: render };
    const result = await scoreImage(input, options);
    expect(result.detector.choice).toBe("scene");
    expect(result.detector.model?.name).toMatch(/scene-detector/);
    expect(toCanonicalText(parseCanonicalText(result.canonical))).toBe(result.canonical);
    expect(toCanonicalText(result.verbalization)).toBe(result.canonical);
    expect(result.model).toMatchObject({ name: "boigllm" });
    expect(result.model.version).toMatch(/^\d{8}T\d{6}Z$/);

    const llm = await loadBoigLlm(modelDir);
    const fields = { kind: "social" as const, brand: post.account, postedAt: new Date(post.postedAt), caption: post.text, keywords: post.keywords };
    const [expected] = await computeRewards(llm, [rewardRequest(fields, result.verbalization)], { breakdown: true });
    expect(result.reward.paper).toBeCloseTo(expected!.reward.paper, 5);
    expect(result.reward.calibrated).toBeCloseTo(expected!.reward.calibrated, 5);
    expect(result.breakdown!.map((b) => b.label)).toEqual(expected!.breakdown!.map((b) => b.label));
    const v = result.verbalization;
    expect(result.breakdown).toHaveLength(v.colors.length + v.tones.length + v.objects.length);
  });

  it("scores a real photo as a stock image: COCO detector, finite rewards", async () => {
    const result = await scoreImage({ date: "2024-06-01", prompt: "a happy dog in the park", keywords: ["dog", "pet"], image: photo }, options);
    expect(result.detector.choice).toBe("coco");
    expect(result.detector.model).not.toBeNull();
    expect(result.verbalization.colors.length).toBeGreaterThan(0);
    expect(result.reward.priorLogOdds).toBe(0); // stock
    for (const value of [result.reward.paper, result.reward.paperMean, result.reward.calibrated]) expect(Number.isFinite(value)).toBe(true);
  });

  it("picks the detector by image shape when asked for auto", () => {
    expect(autoDetector({ width: 64, height: 64 })).toBe("scene");
    expect(autoDetector({ width: 128, height: 128 })).toBe("scene");
    expect(autoDetector({ width: 129, height: 129 })).toBe("coco");
    expect(autoDetector({ width: 64, height: 48 })).toBe("coco");
  });

  it("rejects bad bytes with badInput at `image`", async () => {
    const e = await rejection(scoreImage({ brand: "fizzwell", date: "2024-06-01", prompt: "x", keywords: [], image: new Uint8Array([1, 2, 3, 4]) }, options));
    expect(e.code).toBe("BAD_INPUT");
    expect(fieldPaths(e)).toEqual(["image"]);
    expect(e.message).toMatch(/^image: not a PNG or JPEG/);
    const truncated = await rejection(scoreImage({ brand: "fizzwell", date: "2024-06-01", prompt: "x", keywords: [], image: render.slice(0, 60) }, options));
    expect(fieldPaths(truncated)).toEqual(["image"]);
  });

  it("rejects an invalid date, a social prompt without brand and a non-image with the field path", async () => {
    const date = await rejection(scoreImage({ brand: "fizzwell", date: "2024-13-45", prompt: "x", keywords: [], image: render }, options));
    expect(date.code).toBe("BAD_INPUT");
    expect(fieldPaths(date)).toEqual(["date"]);
    const brand = await rejection(scoreImage({ kind: "social", date: "2024-01-01", prompt: "x", keywords: [], image: render }, options));
    expect(fieldPaths(brand)).toEqual(["brand"]);
    const image = await rejection(scoreImage({ brand: "b", date: "2024-01-01", prompt: "x", keywords: [], image: "iVBOR" as unknown as Uint8Array }, options));
    expect(fieldPaths(image)).toEqual(["image"]);
  });

  it("scores several images in one call and names the index of a bad one", async () => {
    const base = { brand: post.account, date: post.postedAt, prompt: post.text, keywords: post.keywords };
    const both = await scoreImages([{ ...base, image: render }, { ...base, image: render, detector: "none" }], { ...options, breakdown: false });
    expect(both).toHaveLength(2);
    expect(both[1]!.detector).toEqual({ choice: "none", model: null });
    expect(both[1]!.breakdown).toBeNull();
    expect(both[1]!.verbalization.objects).toEqual([]);
    const bad = await rejection(scoreImages([{ ...base, image: render }, { ...base, image: new Uint8Array(0) }], options));
    expect(fieldPaths(bad)).toEqual(["1.image"]);
  });

  it("says the model is unavailable when its artifact is missing", async () => {
    const e = await rejection(scoreImage({ brand: "b", date: "2024-01-01", prompt: "x", keywords: [], image: render }, { modelDir: path.join(root, "no-model") }));
    expect(e.code).toBe("UNAVAILABLE");
    expect(e.message).toMatch(/BoigLLM is not available: no model at/);
  });
});
