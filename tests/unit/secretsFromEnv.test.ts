/**
 * Secrets and settings come from the environment through one reader, server/env.ts (validated,
 * documented in the README's table), never from process.env scattered around the code, and no
 * secret is written into the source. A new process.env reader fails here until it is either moved
 * into env.ts or added below with the reason it may not be.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");

/** Files (or folders, ending in "/") allowed to touch process.env, and why. */
const ALLOWED: Record<string, string> = {
  "server/env.ts": "the one reader",
  "server/db/testing.ts": "test helper: BOIG_TEST_DB / TEST_DATABASE_URL pick the test database",
  "server/jobs/trainerProcess.ts": "passes the environment on to the Python trainer it spawns",
  "server/jobs/demoDataProcess.ts": "passes the environment on to the child process it spawns",
  "server/llm/instructionsFromWorld.ts": "points BOIG_DATA_DIR at a throwaway folder for a nested import, then restores it",
  "server/bench/": "`boig bench` runs the app in throwaway data folders with lifted limits (then restores them) and passes the environment to the child processes it times",
  "next.config.ts": "build configuration (security headers): read by Next before the app's modules load",
  "instrumentation.ts": "NEXT_RUNTIME, set by Next itself to pick the Node.js runtime",
  "bin/boig.mjs": "sets BOIG_REPO_ROOT for the CLI before anything reads it",
};

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name.startsWith(".") ? [] : sourceFiles(full);
    return /\.(ts|tsx|mjs|js)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

const files = [...["server", "app", "components", "bin"].flatMap((d) => sourceFiles(path.join(ROOT, d))), ...["next.config.ts", "instrumentation.ts"].map((f) => path.join(ROOT, f))]
  .filter((f) => fs.existsSync(f))
  .map((f) => ({ file: path.relative(ROOT, f).split(path.sep).join("/"), text: fs.readFileSync(f, "utf8") }));

describe("secrets only from the environment, through server/env.ts", () => {
  it("scans the app's source", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.some((f) => f.file === "server/env.ts")).toBe(true);
  });

  it("has no process.env reader outside server/env.ts and the listed exceptions", () => {
    const readers = files.filter(({ text }) => /process\s*\.\s*env\b|process\s*\[\s*["']env["']\s*\]/.test(text)).map(({ file }) => file);
    const allowed = (file: string) => Object.keys(ALLOWED).some((entry) => (entry.endsWith("/") ? file.startsWith(entry) : file === entry));
    const unexpected = readers.filter((file) => !allowed(file));
    expect(unexpected, "read settings through env() from server/env.ts, or add the file to ALLOWED with its reason").toEqual([]);
    // The list stays honest: every exception still needs its exception.
    const unused = Object.keys(ALLOWED).filter((entry) => !readers.some((file) => (entry.endsWith("/") ? file.startsWith(entry) : file === entry)));
    expect(unused).toEqual([]);
  });

  it("declares the secrets in env.ts's schema, so they are validated and documented in one place", () => {
    const env = files.find((f) => f.file === "server/env.ts")!.text;
    for (const name of ["NEXTAUTH_SECRET", "DATABASE_URL", "BOIG_ADMIN_PASSWORD"]) expect(env).toContain(`${name}:`);
    expect(env).toMatch(/NEXTAUTH_SECRET: z\.string\(\)\.min\(16\)/);
  });

  it("commits no secrets: no private keys, no hard-coded passwords or session secrets in the source", () => {
    const suspicious = files.flatMap(({ file, text }) => {
      const hits = [
        /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text) && "a private key",
        /NEXTAUTH_SECRET\s*[:=]\s*["'`][^"'`]{8,}/.test(text) && "a NEXTAUTH_SECRET value",
        /\bboig_[0-9a-f]{8}_[A-Za-z0-9_-]{32}\b/.test(text) && "an API key",
        /postgres(ql)?:\/\/[^:\s/]+:[^@\s]+@(?!localhost|127\.0\.0\.1)/.test(text) && "a database URL with a password",
      ].filter(Boolean);
      return hits.map((hit) => `${file}: ${hit}`);
    });
    expect(suspicious).toEqual([]);
  });
});
