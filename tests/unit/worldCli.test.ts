import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command, Option } from "commander";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { registerWorld } from "@/server/cli/world";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "boig-world-cli-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** The `boig` program with only `world` registered, as main.ts will wire it. */
function program() {
  const p = new Command("boig").exitOverride().addOption(new Option("--json", "JSON lines").default(false));
  registerWorld(p);
  return p;
}

async function run(...args: string[]) {
  const lines: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => (lines.push(String(chunk)), true));
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  await program().parseAsync(["node", "boig", ...args]);
  return lines.join("").trim().split("\n").map((l) => JSON.parse(l));
}

describe("boig world", () => {
  it("writes a world and reports progress and a result as JSON lines", async () => {
    const out = path.join(tmp, "w");
    const events = await run("--json", "world", "--seed", "3", "--out", out, "--brands", "8", "--posts", "3", "--size", "32", "--stock", "5");
    expect(events.some((e) => e.type === "progress")).toBe(true);
    const result = events.find((e) => e.type === "result");
    expect(result).toMatchObject({ seed: 3, brands: 8, stockAssets: 5, outDir: out });
    expect(fs.existsSync(path.join(out, "social", "posts.csv"))).toBe(true);
    expect(fs.existsSync(path.join(out, "world.json"))).toBe(true);
  });

  it("rejects bad arguments with BAD_INPUT naming the option", async () => {
    const out = path.join(tmp, "bad");
    const fails = (...args: string[]) => run("world", "--out", out, ...args).then(() => null, (e) => e);
    expect(await fails("--seed", "abc")).toMatchObject({ code: "BAD_INPUT", message: expect.stringMatching(/^seed: must be a whole number/) });
    expect(await fails("--seed", "1", "--brands", "40")).toMatchObject({ code: "BAD_INPUT", message: expect.stringMatching(/^brands:/) });
    expect(await fails("--seed", "1", "--size", "4")).toMatchObject({ code: "BAD_INPUT", message: expect.stringMatching(/^size:/) });
    expect(await fails("--seed", "1", "--posts", "-3")).toMatchObject({ code: "BAD_INPUT", message: expect.stringMatching(/^posts:/) });
    expect(await run("world", "--seed", "1").then(() => null, (e) => e)).toMatchObject({ code: "commander.missingMandatoryOptionValue" });
    expect(fs.existsSync(out)).toBe(false);
  });
});
