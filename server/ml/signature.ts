/**
 * Checks that tensors fit a model's declared signature (names, dtypes, dims). Pure functions:
 * onnxSession.ts turns a non-empty problem list into a MODEL_INVALID error.
 */
import type * as ort from "onnxruntime-node";
import type { TensorSpec } from "./manifest";

export type TensorLike = { readonly type: string; readonly dims: readonly number[] };

export const describeSpec = (spec: TensorSpec) => `${spec.name} ${spec.dtype} [${spec.dims.join(",")}]`;
export const describeTensor = (name: string, tensor: TensorLike) =>
  `${name} ${tensor.type} [${tensor.dims.join(",")}]`;

/** Named dims ("batch") bind on first use; later uses in the same call must agree. */
function dimsFit(expected: TensorSpec["dims"], given: readonly number[], bound: Map<string, number>): boolean {
  if (expected.length !== given.length) return false;
  return expected.every((want, i) => {
    const got = given[i]!;
    if (typeof want === "number") return want === got;
    const seen = bound.get(want);
    if (seen === undefined) bound.set(want, got);
    return seen === undefined || seen === got;
  });
}

export function feedProblems(
  inputNames: readonly string[],
  specs: readonly TensorSpec[],
  feeds: Readonly<Record<string, TensorLike>>,
): string[] {
  const problems: string[] = [];
  for (const name of inputNames) if (!(name in feeds)) problems.push(`missing input "${name}"`);
  for (const name of Object.keys(feeds)) if (!inputNames.includes(name)) problems.push(`unexpected input "${name}"`);
  const bound = new Map<string, number>();
  for (const spec of specs) {
    const tensor = feeds[spec.name];
    if (!tensor) continue;
    if (tensor.type !== spec.dtype) problems.push(`input "${spec.name}" has dtype ${tensor.type}, expected ${spec.dtype}`);
    if (!dimsFit(spec.dims, tensor.dims, bound)) {
      problems.push(`input "${spec.name}" has dims [${tensor.dims.join(",")}], expected [${spec.dims.join(",")}]`);
    }
  }
  return problems;
}

/** Does the manifest describe the ONNX graph it ships with? (names, dtypes, fixed dims) */
export function manifestVsModelProblems(
  role: "input" | "output",
  specs: readonly TensorSpec[],
  metadata: readonly ort.InferenceSession.ValueMetadata[],
): string[] {
  const problems: string[] = [];
  const specNames = specs.map((spec) => spec.name).sort();
  const modelNames = metadata.map((value) => value.name).sort();
  if (specNames.join("\n") !== modelNames.join("\n")) {
    problems.push(`manifest ${role}s [${specNames.join(", ")}] but the model has [${modelNames.join(", ")}]`);
  }
  for (const value of metadata) {
    const spec = specs.find((candidate) => candidate.name === value.name);
    if (!spec || !value.isTensor) continue;
    const shapeAgrees =
      value.shape.length === 0 || // the graph leaves the shape open
      (value.shape.length === spec.dims.length &&
        value.shape.every((dim, i) => typeof dim !== "number" || typeof spec.dims[i] !== "number" || dim === spec.dims[i]));
    if (value.type !== spec.dtype || !shapeAgrees) {
      problems.push(`manifest says ${describeSpec(spec)} but the model's ${role} is ${value.type} [${value.shape.join(",")}]`);
    }
  }
  return problems;
}
