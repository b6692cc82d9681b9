import path from "node:path";
import { defineConfig } from "vitest/config";

/** Browser tests: a real `next start` server (production build) driven by Debian's chromium. */
export default defineConfig({
  resolve: { alias: { "@": path.resolve(__dirname) } },
  test: {
    environment: "node",
    include: ["tests/e2e/**/*.e2e.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
