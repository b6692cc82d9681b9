#!/usr/bin/env node
// Verifies a BoigLLM export (KV cache) in onnxruntime-node, the runtime the app uses.
// Usage: node models/verify_llm_onnx.mjs MODEL.onnx GOLDEN.json GOLDEN_STEP.json
//  1. golden.json: the one-shot pass (empty past) matches PyTorch's logits and presents;
//  2. golden_step.json: the last token with PyTorch's cache of the others matches PyTorch;
//  3. cache consistency inside onnxruntime: run all but the last token, feed its `present.*` back
//     as `past_key_values.*` with the last token, and the logits equal the one-shot logits there.
// Exit 0: all ok. 1: a mismatch. 2: bad usage or unreadable files.
import { readFile } from "node:fs/promises";
import * as ort from "onnxruntime-node";
import { checkGolden, compare, report, runMain, toTensor } from "./verify_common.mjs";

/** Slices [B, T, ...] int64 / float tensors along axis 1. */
function sliceSeq(tensor, start, end) {
  const [batch, seq] = tensor.dims;
  const inner = tensor.data.length / (batch * seq);
  const out = new tensor.data.constructor(batch * (end - start) * inner);
  for (let b = 0; b < batch; b++) {
    out.set(tensor.data.subarray((b * seq + start) * inner, (b * seq + end) * inner), b * (end - start) * inner);
  }
  return new ort.Tensor(tensor.type, out, [batch, end - start, ...tensor.dims.slice(2)]);
}

async function checkCache(session, golden) {
  const ids = toTensor(golden.inputs.input_ids);
  const mask = toTensor(golden.inputs.attention_mask);
  const seq = ids.dims[1];
  const pastFeeds = Object.fromEntries(
    Object.entries(golden.inputs).filter(([name]) => name.startsWith("past_key_values.")).map(([name, f]) => [name, toTensor(f)]),
  );
  const full = await session.run({ input_ids: ids, attention_mask: mask, ...pastFeeds });
  const prefix = await session.run({ input_ids: sliceSeq(ids, 0, seq - 1), attention_mask: sliceSeq(mask, 0, seq - 1), ...pastFeeds });
  const cached = Object.fromEntries(
    Object.keys(pastFeeds).map((name) => [name, prefix[name.replace("past_key_values.", "present.")]]),
  );
  const step = await session.run({ input_ids: sliceSeq(ids, seq - 1, seq), attention_mask: mask, ...cached });
  const expected = sliceSeq(full.logits, seq - 1, seq);
  return compare("cache: step logits == one-shot logits", step.logits?.data, step.logits?.dims, { data: Array.from(expected.data), dims: Array.from(expected.dims) }, golden.rtol, golden.atol);
}

async function main([modelPath, goldenPath, stepPath]) {
  if (!modelPath || !goldenPath || !stepPath) {
    console.error("usage: node models/verify_llm_onnx.mjs MODEL.onnx GOLDEN.json GOLDEN_STEP.json");
    return 2;
  }
  let session, golden, step;
  try {
    golden = JSON.parse(await readFile(goldenPath, "utf8"));
    step = JSON.parse(await readFile(stepPath, "utf8"));
    session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 2 });
  } catch (error) {
    console.error(`cannot load: ${error.message}`);
    return 2;
  }
  const checks = [
    ...(await checkGolden(session, golden, "one-shot")),
    ...(await checkGolden(session, step, "step")),
    await checkCache(session, golden),
  ];
  return report(checks);
}

runMain(main);
