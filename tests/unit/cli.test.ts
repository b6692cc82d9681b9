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

  it("says which issue brings a subcommand that is not built, and exits non-zero", () => {
    const { stderr, status } = boig("bench");
    expect(status).toBe(2);
    expect(stderr).toMatch(/boig bench: not built yet; it arrives with/);
  });

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
