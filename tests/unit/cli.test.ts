import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const boig = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/boig.mjs", ...args], { encoding: "utf8", timeout: 60_000 });

describe("boig CLI", () => {
  it("lists every subcommand of SPEC §2 in --help", () => {
    const { stdout, status } = boig("--help");
    expect(status).toBe(0);
    for (const name of ["world", "import", "verbalize", "train", "eval", "generate", "score", "bench", "worker"])
      expect(stdout).toMatch(new RegExp(`^\\s+${name}\\b`, "m"));
  });

  it("bench times decoding and generation beside their references (tiny models, one run)", () => {
    const result = spawnSync(process.execPath, ["bin/boig.mjs", "--json", "bench", "--runs", "1", "--variants", "1", "--only", "generate,llm"], {
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, BOIG_BOIGLLM_DIR: "tests/fixtures/llm/boigllm-tiny", BOIG_BOIGSD_DIR: "tests/fixtures/sd/boigsd-tiny" },
    });
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout.trim().split("\n").at(-1)!);
    expect(report.machine.ortMatmulGflops).toBeGreaterThan(0);
    const byName = (prefix: string) => report.workloads.find((w: { workload: string }) => w.workload.startsWith(prefix));
    const llm = byName("BoigLLM: decode");
    const generate = byName("generate ");
    expect(byName("BoigLLM: decode").workload).toMatch(/KV cache$/);
    expect(report.workloads.some((w: { workload: string }) => /^BoigLLM: decode \d+ tokens, TypeScript\/ONNX vs PyTorch$/.test(w.workload))).toBe(true);
    expect(llm.workload).toMatch(/^BoigLLM: decode \d+ tokens, KV cache$/);
    expect(llm.notes).toContain("identical greedy tokens with and without the cache");
    expect(generate.workload).toBe("generate 1 scored variants (end to end)");
    expect(generate.ours).toBeGreaterThan(0);
    expect(generate.reference).toBeGreaterThan(0);
    expect(generate.ratio).toBeCloseTo(generate.reference / generate.ours, 6);
  }, 130_000);

  it("validates train options with a clear message", () => {
    const { stderr, status } = boig("train", "tiny", "--out", "/tmp/boig-cli-x", "--preset", "huge");
    expect(status).toBe(1);
    expect(stderr).toMatch(/BAD_INPUT: preset:/);
  });

  it("requires a world folder to train a detector", () => {
    const { stderr, status } = boig("train", "detector", "--out", "/tmp/boig-cli-d");
    expect(status).toBe(1);
    expect(stderr).toMatch(/BAD_INPUT: data: is required to train a detector/);
  });
});
