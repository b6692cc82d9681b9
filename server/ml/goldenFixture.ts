/**
 * Golden fixtures (golden.json, written at export): inputs run through PyTorch and the outputs it
 * gave. Replaying them through onnxruntime-node proves the ONNX file computes what was trained.
 */
import { readFile } from "node:fs/promises";
import * as ort from "onnxruntime-node";
import { z } from "zod";

const fixtureTensorSchema = z.object({
  dims: z.array(z.number().int().nonnegative()),
  type: z.enum(["float32", "float64", "int32", "int64", "uint8", "bool"]),
  data: z.array(z.union([z.number(), z.boolean()])),
});

export const goldenFixtureSchema = z.object({
  inputs: z.record(z.string(), fixtureTensorSchema),
  outputs: z.record(z.string(), fixtureTensorSchema),
  rtol: z.number().nonnegative().default(1e-4),
  atol: z.number().nonnegative().default(1e-5),
});

export type FixtureTensor = z.infer<typeof fixtureTensorSchema>;
export type GoldenFixture = z.infer<typeof goldenFixtureSchema>;

export async function readGoldenFixture(file: string): Promise<GoldenFixture> {
  return goldenFixtureSchema.parse(JSON.parse(await readFile(file, "utf8")));
}

export function tensorFromFixture(fixture: FixtureTensor): ort.Tensor {
  const numbers = fixture.data.map(Number);
  switch (fixture.type) {
    case "float32":
      return new ort.Tensor("float32", Float32Array.from(numbers), fixture.dims);
    case "float64":
      return new ort.Tensor("float64", Float64Array.from(numbers), fixture.dims);
    case "int32":
      return new ort.Tensor("int32", Int32Array.from(numbers), fixture.dims);
    case "int64":
      return new ort.Tensor("int64", BigInt64Array.from(numbers, (value) => BigInt(value)), fixture.dims);
    case "uint8":
      return new ort.Tensor("uint8", Uint8Array.from(numbers), fixture.dims);
    case "bool":
      return new ort.Tensor("bool", Uint8Array.from(numbers, (value) => (value ? 1 : 0)), fixture.dims);
  }
}

export type FixtureComparison = { ok: boolean; maxAbsDiff: number; reason?: string };

/** numpy.allclose semantics: |actual - expected| <= atol + rtol * |expected|, elementwise; NaN fails. */
export function compareToFixture(
  actual: ort.Tensor | undefined,
  expected: FixtureTensor,
  rtol: number,
  atol: number,
): FixtureComparison {
  if (!actual) return { ok: false, maxAbsDiff: Infinity, reason: "output missing" };
  if (actual.dims.join(",") !== expected.dims.join(",")) {
    return { ok: false, maxAbsDiff: Infinity, reason: `dims [${actual.dims}] != [${expected.dims}]` };
  }
  const values = actual.data as ArrayLike<number | bigint>;
  let ok = true;
  let maxAbsDiff = 0;
  expected.data.forEach((want, i) => {
    const target = Number(want);
    const diff = Math.abs(Number(values[i]) - target);
    if (!(diff <= atol + rtol * Math.abs(target))) ok = false;
    maxAbsDiff = Math.max(maxAbsDiff, diff); // NaN propagates, and is reported as such
  });
  return { ok, maxAbsDiff };
}
