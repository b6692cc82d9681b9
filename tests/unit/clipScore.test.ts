/**
 * BoigCLIP in TypeScript (server/ml/clipScore.ts, with server/sd/sdPrompt.ts) against the PyTorch trainer,
 * on the tiny fixture (tests/fixtures/clip/boigclip-tiny) and on the committed default model
 * (models/artifacts/clip); each manifest has the command that trained it:
 * - golden_prompts.json: BoigSD's prompt text and ids are built exactly as sd_data.py builds them;
 * - golden_image_encoder.json / golden_text_encoder.json: both graphs reproduce PyTorch's outputs;
 * - golden_pairs.json: PNG → pixels, fields → prompt → ids, both graphs → the cosine matrix PyTorch
 *   computed; on these held-out pairs an image agrees more with its own prompt than with the others.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clipAgreement, embedImages, embedPrompts, loadBoigClip, rowDot, type BoigClip } from "@/server/ml/clipScore";
import { compareToFixture, readGoldenFixture, tensorFromFixture } from "@/server/ml/goldenFixture";
import { Tokenizer } from "@/server/llm/tokenizer";
import { sdPromptIds, sdPromptText } from "@/server/sd/sdPrompt";
import { decodeImage } from "@/server/verbalize/decodeImage";
import type { RgbaImage } from "@/server/verbalize/types";

const fixture = fileURLToPath(new URL("../fixtures/clip/boigclip-tiny", import.meta.url));
const committed = fileURLToPath(new URL("../../models/artifacts/clip", import.meta.url));

/** sd_data.prompt_text's arguments (kind, account, text, keywords) and what it and encode_prompt gave. */
type PromptCase = { kind: "social" | "stock"; account: string | null; text: string; keywords: string[]; why?: string; prompt: string; input_ids: number[]; cut: boolean };
type Pair = PromptCase & { name: string; png_base64: string };
const textOf = (c: PromptCase) => sdPromptText({ kind: c.kind, brand: c.account, caption: c.text, keywords: c.keywords });
const mean = (values: readonly number[]) => values.reduce((s, v) => s + v, 0) / values.length;

function describeArtifact(label: string, artifact: string) {
  const readJson = <T>(file: string) => JSON.parse(readFileSync(path.join(artifact, file), "utf8")) as T;
  const prompts = readJson<{ max_tokens: number; cases: PromptCase[] }>("golden_prompts.json");
  const pairs = readJson<{ pairs: Pair[]; cosine: { dims: number[]; data: number[] }; rtol: number; atol: number }>("golden_pairs.json");
  const tokenizer = Tokenizer.fromJson(readJson("vocab.json"));
  const n = pairs.pairs.length;
  const cosine = (i: number, j: number) => pairs.cosine.data[i * n + j]!;

  let clip: BoigClip;
  let images: RgbaImage[];
  beforeAll(async () => {
    clip = await loadBoigClip(artifact);
    images = pairs.pairs.map((pair) => decodeImage(Buffer.from(pair.png_base64, "base64")));
  });

  describe(`${label}: BoigSD prompt text (server/sd/sdPrompt.ts) = sd_data.py, on golden_prompts.json`, () => {
    it("covers the format's rules (golden cases written by the trainer)", () => {
      expect(prompts.cases.length).toBeGreaterThanOrEqual(15);
      expect(prompts.cases.some((c) => c.cut)).toBe(true);
      expect(prompts.cases.some((c) => c.input_ids.includes(tokenizer.unkId))).toBe(true);
      expect(prompts.cases.some((c) => c.kind === "social" && !c.account)).toBe(true);
    });

    for (const [i, c] of prompts.cases.entries()) {
      it(`case ${i}: ${c.why ?? ""}`, () => {
        expect(textOf(c)).toBe(c.prompt);
        expect(sdPromptIds(tokenizer, c.prompt, prompts.max_tokens)).toEqual({ ids: c.input_ids, truncated: c.cut });
      });
    }
  });

  describe(`${label}: BoigCLIP (onnxruntime-node) vs PyTorch`, () => {
    it("loads the artifact: tokenizer, sizes, both graphs", () => {
      expect(clip.name).toBe("boigclip");
      expect(clip.maxTokens).toBe(prompts.max_tokens);
      expect(clip.imageSize).toBe(64);
      expect(clip.tokenizer.tokens).toEqual(tokenizer.tokens);
    });

    for (const graph of ["image_encoder", "text_encoder"] as const) {
      it(`${graph}.onnx reproduces golden_${graph}.json`, async () => {
        const golden = await readGoldenFixture(path.join(artifact, `golden_${graph}.json`));
        const model = graph === "image_encoder" ? clip.imageEncoder : clip.textEncoder;
        const feeds = Object.fromEntries(Object.entries(golden.inputs).map(([name, f]) => [name, tensorFromFixture(f)]));
        const outputs = await model.run(feeds);
        for (const [name, expected] of Object.entries(golden.outputs)) {
          const comparison = compareToFixture(outputs[name], expected, golden.rtol, golden.atol);
          expect(comparison.ok, `${name}: max abs diff ${comparison.maxAbsDiff}`).toBe(true);
        }
      });
    }

    it("PNG + post fields → the cosine matrix PyTorch computed", async () => {
      const texts = pairs.pairs.map(textOf);
      expect(texts).toEqual(pairs.pairs.map((pair) => pair.prompt));
      const imageEmbeds = await embedImages(clip, images);
      const textEmbeds = await embedPrompts(clip, texts);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          const [got, want] = [rowDot(imageEmbeds, i, textEmbeds, j, clip.embedDim), cosine(i, j)];
          expect(Math.abs(got - want) <= pairs.atol + pairs.rtol * Math.abs(want), `cosine[${i}][${j}] ${got} vs ${want}`).toBe(true);
        }
      // unit-norm embeddings: an image's cosine with itself is 1
      expect(rowDot(imageEmbeds, 0, imageEmbeds, 0, clip.embedDim)).toBeCloseTo(1, 5);
    });

    it("scores each held-out image higher with its own prompt than with the others", async () => {
      const texts = pairs.pairs.map(textOf);
      const matched = await clipAgreement(clip, images.map((image, i) => ({ image, prompt: texts[i]! })));
      const mismatched = await clipAgreement(clip, images.map((image, i) => ({ image, prompt: texts[(i + 1) % n]! })));
      matched.forEach((value, i) => expect(value).toBeCloseTo(cosine(i, i), 3));
      expect(mean(matched)).toBeGreaterThan(mean(mismatched) + 0.2);
      // per image, against all n − 1 other prompts: its own wins most comparisons
      const wins = images.map((_, i) => pairs.pairs.filter((_, j) => j !== i && cosine(i, i) > cosine(i, j)).length);
      expect(wins.reduce((s, w) => s + w, 0) / (n * (n - 1))).toBeGreaterThan(0.75);
      expect(matched.every((value) => value >= -1 && value <= 1)).toBe(true);
    });

    it("gives the same agreement for an image in any batch and at any size (area resize)", async () => {
      const one = await clipAgreement(clip, [{ image: images[2]!, prompt: pairs.pairs[2]!.prompt }]);
      const all = await clipAgreement(clip, images.map((image, i) => ({ image, prompt: pairs.pairs[i]!.prompt })));
      expect(one[0]).toBeCloseTo(all[2]!, 5);
      const source = images[2]!;
      const doubled = new Uint8Array(128 * 128 * 4); // each pixel 2 x 2: area-resizes back to the same 64 x 64
      for (let y = 0; y < 128; y++)
        for (let x = 0; x < 128; x++) {
          const from = ((y >> 1) * 64 + (x >> 1)) * 4;
          doubled.set(source.rgba.subarray(from, from + 4), (y * 128 + x) * 4);
        }
      const big = await clipAgreement(clip, [{ image: { rgba: doubled, width: 128, height: 128 }, prompt: pairs.pairs[2]!.prompt }]);
      expect(big[0]).toBeCloseTo(one[0]!, 5);
    });
  });
}

describeArtifact("tiny fixture", fixture);
describeArtifact("committed models/artifacts/clip", committed);

describe("loadBoigClip refuses a tampered artifact", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it("a vocab.json that does not match the manifest's sha256", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "boigclip-"));
    dirs.push(dir);
    cpSync(fixture, dir, { recursive: true });
    const vocab = JSON.parse(readFileSync(path.join(dir, "vocab.json"), "utf8")) as { tokens: string[] };
    [vocab.tokens[10], vocab.tokens[11]] = [vocab.tokens[11]!, vocab.tokens[10]!];
    writeFileSync(path.join(dir, "vocab.json"), JSON.stringify(vocab));
    await expect(loadBoigClip(dir)).rejects.toThrow(/vocab\.json does not match the sha256/);
  });

  it("a manifest without its clip section", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "boigclip-"));
    dirs.push(dir);
    cpSync(fixture, dir, { recursive: true });
    const manifest = JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8")) as Record<string, unknown>;
    delete manifest.clip;
    writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest));
    await expect(loadBoigClip(dir)).rejects.toThrow(/no valid "clip" section/);
  });
});
