/**
 * Golden replay of an exported BoigLLM (KV cache) in TypeScript, through loadModel: ONNX logits
 * and presents equal PyTorch's (one shot with an empty past, and one step with PyTorch's cache),
 * and decoding with the cache gives the logits of decoding without it.
 * BOIG_FRESH_LLM_DIR=models/runs/pytest-llm-last/artifact replays pytest's fresh artifact as well.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { compareToFixture, readGoldenFixture, type FixtureTensor } from "@/server/ml/goldenFixture";
import { loadModel, tensorFromFixture } from "@/server/ml/onnxSession";
import { Tokenizer } from "@/server/llm/tokenizer";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const committed = path.join(repoRoot, "server/llm/testdata/boigllm-tiny");
const fresh = process.env.BOIG_FRESH_LLM_DIR;

const feedsOf = (inputs: Record<string, FixtureTensor>) =>
  Object.fromEntries(Object.entries(inputs).map(([name, fixture]) => [name, tensorFromFixture(fixture)]));

/** [B, T, ...] → [B, end-start, ...] along axis 1. */
function sliceSeq(tensor: ort.Tensor, start: number, end: number): ort.Tensor {
  const [batch, seq] = tensor.dims as [number, number];
  const data = tensor.data as Float32Array | BigInt64Array;
  const inner = data.length / (batch * seq);
  const out = new (data.constructor as Float32ArrayConstructor | BigInt64ArrayConstructor)(batch * (end - start) * inner);
  for (let b = 0; b < batch; b++) out.set(data.subarray((b * seq + start) * inner, (b * seq + end) * inner) as never, b * (end - start) * inner);
  return new ort.Tensor(tensor.type as "float32", out as Float32Array, [batch, end - start, ...tensor.dims.slice(2)]);
}

function maxAbsDiff(a: ort.Tensor, b: ort.Tensor): number {
  expect(a.dims).toEqual(b.dims);
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  let max = 0;
  for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i]! - y[i]!));
  return max;
}

function replaySuite(label: string, artifactDir: string) {
  describe(`BoigLLM ONNX golden replay (${label})`, () => {
    for (const file of ["golden.json", "golden_step.json"]) {
      it(`${file}: ONNX outputs equal PyTorch's`, async () => {
        const model = await loadModel(artifactDir);
        const golden = await readGoldenFixture(path.join(artifactDir, file));
        const outputs = await model.run(feedsOf(golden.inputs));
        expect(Object.keys(golden.outputs).length).toBe(1 + (model.manifest.inputs.length - 2)); // logits + one present per past
        for (const [name, expected] of Object.entries(golden.outputs)) {
          const comparison = compareToFixture(outputs[name], expected, golden.rtol, golden.atol);
          expect(comparison.ok, `${name}: ${comparison.reason ?? `max abs diff ${comparison.maxAbsDiff}`}`).toBe(true);
        }
      });
    }

    it("decodes token by token with the cache exactly as in one shot", async () => {
      const model = await loadModel(artifactDir);
      const golden = await readGoldenFixture(path.join(artifactDir, "golden.json"));
      const ids = tensorFromFixture(golden.inputs.input_ids!);
      const mask = tensorFromFixture(golden.inputs.attention_mask!);
      const empty = Object.fromEntries(Object.entries(golden.inputs).filter(([n]) => n.startsWith("past_key_values.")).map(([n, f]) => [n, tensorFromFixture(f)]));
      const full = await model.run({ input_ids: ids, attention_mask: mask, ...empty });
      const seq = ids.dims[1]!;
      let past = empty;
      const start = 3; // prompt of 3 tokens, then one token at a time
      let out = await model.run({ input_ids: sliceSeq(ids, 0, start), attention_mask: sliceSeq(mask, 0, start), ...past });
      expect(maxAbsDiff(out.logits!, sliceSeq(full.logits!, 0, start))).toBeLessThan(1e-4);
      for (let t = start; t < seq; t++) {
        past = Object.fromEntries(Object.keys(empty).map((name) => [name, out[name.replace("past_key_values.", "present.")]!]));
        expect(past["past_key_values.0.key"]!.dims[2]).toBe(t);
        out = await model.run({ input_ids: sliceSeq(ids, t, t + 1), attention_mask: sliceSeq(mask, 0, t + 1), ...past });
        expect(maxAbsDiff(out.logits!, sliceSeq(full.logits!, t, t + 1))).toBeLessThan(1e-4);
      }
    });

    it("ships the vocab its manifest describes, readable by the TS tokenizer", async () => {
      const model = await loadModel(artifactDir);
      const tokenizer = Tokenizer.fromJson(JSON.parse(fs.readFileSync(path.join(artifactDir, "vocab.json"), "utf8")));
      const { llm } = JSON.parse(fs.readFileSync(path.join(artifactDir, "manifest.json"), "utf8")) as { llm: { vocab_size: number } };
      expect(tokenizer.size).toBe(llm.vocab_size);
      expect(model.manifest.outputs[0]).toEqual({ name: "logits", dtype: "float32", dims: ["batch", "seq", tokenizer.size] });
    });
  });
}

replaySuite("committed tiny fixture", committed);
if (fresh) replaySuite("fresh pytest artifact", path.resolve(repoRoot, fresh));
