#!/usr/bin/env node
// Adds up the results of every test runner (vitest JSON reports, pytest JUnit XML) and prints
// one closing line `N passed, N failed` (CI reads it). Exit 1 if anything failed or a runner
// left no report (it crashed before reporting).
import fs from "node:fs";

const reports = process.argv.slice(2);
let passed = 0, failed = 0, skipped = 0;
for (const spec of reports) {
  const [label, file] = spec.split("=");
  if (!fs.existsSync(file)) {
    console.log(`${label}: no report (${file}) — counted as 1 failure`);
    failed += 1;
    continue;
  }
  let p = 0, f = 0, s = 0;
  if (file.endsWith(".json")) {
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    p = r.numPassedTests; f = r.numFailedTests; s = r.numPendingTests + (r.numTodoTests ?? 0);
    // A suite that failed to load has no tests but is a failure.
    f += r.testResults.filter((t) => t.status === "failed" && t.assertionResults.length === 0).length;
  } else {
    const xml = fs.readFileSync(file, "utf8");
    const suite = xml.match(/<testsuite\b[^>]*>/)?.[0] ?? "";
    const num = (name) => Number(suite.match(new RegExp(`\\b${name}="(\\d+)"`))?.[1] ?? 0);
    f = num("failures") + num("errors"); s = num("skipped"); p = num("tests") - f - s;
  }
  console.log(`${label}: ${p} passed, ${f} failed, ${s} skipped`);
  passed += p; failed += f; skipped += s;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
