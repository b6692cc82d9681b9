/**
 * `boig score` end to end (server/cli/score.ts): a world render scored with the tiny model
 * prints one JSON line per image with both rewards; a missing --date is a BAD_INPUT naming it.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateWorld } from "@/server/world/generateWorld";

const boig = (...args: string[]) => spawnSync(process.execPath, ["bin/boig.mjs", ...args], { encoding: "utf8", timeout: 120_000 });
const model = "tests/fixtures/llm/boigllm-tiny";

describe("boig score", () => {
  let world: string;
  let image: string;
  beforeAll(async () => {
    world = fs.mkdtempSync(path.join(os.tmpdir(), "boig-score-cli-"));
    await generateWorld({ seed: 3, brands: 1, postsPerBrand: 1, stockAssets: 1, outDir: world });
    image = path.join(world, "social/media", fs.readdirSync(path.join(world, "social/media"))[0]!);
  });
  afterAll(() => fs.rmSync(world, { recursive: true, force: true }));

  it("prints both rewards and the breakdown of each image as JSON lines", () => {
    const { stdout, stderr, status } = boig("--json", "score", image, image, "--brand", "fizzwell", "--date", "2022-11-08", "--prompt", "Fall sale!", "--keywords", "sale,fall", "--model", model);
    expect(stderr).not.toMatch(/boig:/);
    expect(status).toBe(0);
    const lines = stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ image, detector: { choice: "scene" }, model: { name: "boigllm" } });
    expect(lines[0].reward.paper).toBeGreaterThan(0);
    expect(typeof lines[0].reward.calibrated).toBe("number");
    expect(lines[1].reward).toEqual(lines[0].reward);
    expect(Array.isArray(lines[0].breakdown)).toBe(true);
  });

  it("names a missing field", () => {
    const { stderr, status } = boig("score", image, "--brand", "fizzwell", "--prompt", "x", "--model", model);
    expect(status).toBe(1);
    expect(stderr).toMatch(/BAD_INPUT: date: is required/);
  });
});
