import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(__dirname) } },
  test: {
    environment: "node",
    include: ["server/**/*.test.ts", "tests/unit/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // 2 cores: PGlite instances and child processes are heavy; keep parallelism modest.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
