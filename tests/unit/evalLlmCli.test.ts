import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const boig = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/boig.mjs", ...args], { encoding: "utf8", timeout: 120_000 });

const FIXTURE_ARGS = [
  "--data", "tests/fixtures/llm/instructions",
  "--model", "tests/fixtures/llm/boigllm-tiny",
  "--nokpi", "tests/fixtures/llm/boigllm-tiny-nokpi",
  "--limit", "3",
];

describe("boig eval llm", () => {
  it("prints one JSON object with --json", () => {
    const { stdout, stderr, status } = boig("eval", "llm", ...FIXTURE_ARGS, "--json");
    expect(stderr).toBe("");
    expect(status).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]!);
    expect(report.format).toBe("boig-eval-llm/1");
    expect(report.options.limit).toBe(3);
    expect(report.datasets.map((d: { dataset: string }) => d.dataset)).toEqual(["world/social", "world/stock"]);
    expect(report.counts).toEqual({ testImages: 23, images: 15, decoded: 45 });
  }, 120_000);

  it("prints a readable Table 1 per dataset without --json", () => {
    const { stdout, status } = boig("eval", "llm", ...FIXTURE_ARGS, "--limit", "1");
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Table 1/);
    expect(stdout).toMatch(/^world\/social \(social\): 2 of 14 test images/m);
    expect(stdout).toMatch(/^KPI\s+model\s+col IoU↑\s+col sim↑\s+col RGB↓/m);
    for (const row of ["BoigLLM", "No-KPI fine-tuned", "3-shot retrieval", "5-shot retrieval"]) expect(stdout).toMatch(new RegExp(`^all\\s+${row}\\s`, "m"));
    expect(stdout).toMatch(/^BoigLLM better than: no-KPI \d\/9/m);
    expect(stdout).toMatch(/^KPI-label accuracy \(type 4, labels high\/medium\/low\): overall/m);
  }, 120_000);

  it("fails clearly, non-zero, for a missing model folder", () => {
    const { stdout, stderr, status } = boig("eval", "llm", ...FIXTURE_ARGS, "--model", "/nonexistent/boigllm", "--json");
    expect(status).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^boig: NOT_FOUND: No BoigLLM model at \/nonexistent\/boigllm \(no manifest\.json\)/);
  });

  it("validates its options", () => {
    const { stderr, status } = boig("eval", "llm", ...FIXTURE_ARGS, "--limit", "zero");
    expect(status).toBe(1);
    expect(stderr).toMatch(/BAD_INPUT: limit:/);
  });
});
