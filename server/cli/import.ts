import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { closeDb, getDb } from "../db/client";
import { importFolder, type ImportResult } from "../services/importFolder";
import { parseInput } from "../services/validation";
import { createProgress } from "./progress";

const optionsSchema = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  maxMediaMb: z.coerce.number().positive().max(1024).default(10),
  errorsOut: z.string().optional(),
  strict: z.boolean().default(false),
});

const SHOWN_ERRORS = 50;

/** `boig import DIR`: the SPEC §3.2 importer, with a row-level error report. */
export function registerImport(program: Command) {
  program
    .command("import")
    .description("import a folder with posts.csv / posts.jsonl and its images (or a `boig world` output)")
    .argument("<dir>", "the import folder")
    .option("--name <name>", "dataset name (default: the folder name)")
    .option("--max-media-mb <n>", "largest image file accepted, in MB", "10")
    .option("--errors-out <file>", "write every rejected row (line, column, reason) to this CSV")
    .option("--strict", "exit 1 when any row was rejected", false)
    .action(async (dir: string, raw) => {
      const opts = parseInput(optionsSchema, raw);
      const json = program.opts().json as boolean;
      const progress = createProgress({ json, label: "import" });
      let results: ImportResult[];
      try {
        results = await importFolder(await getDb(), {
          dir,
          name: opts.name,
          maxMediaBytes: opts.maxMediaMb * 1024 * 1024,
          onProgress: (f, m) => progress.update(f, m),
        });
      } finally {
        progress.stop();
        await closeDb();
      }
      if (opts.errorsOut) {
        const lines = ["dataset,line,column,reason", ...results.flatMap((r) => r.errors.map((e) => [r.dataset, e.line, e.column, e.reason].map(csvCell).join(",")))];
        fs.writeFileSync(path.resolve(opts.errorsOut), lines.join("\n") + "\n");
      }
      if (json) for (const r of results) progress.result({ ...r });
      else for (const r of results) printResult(r);
      if (opts.strict && results.some((r) => r.rejected > 0)) process.exitCode = 1;
    });
}

const csvCell = (v: unknown) => {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

function printResult(r: ImportResult) {
  const out = (s = "") => process.stdout.write(`${s}\n`);
  out(`${r.dataset} (${r.kind}) from ${r.file}`);
  out(`  rows: ${r.inserted} new, ${r.updated} updated, ${r.unchanged} unchanged, ${r.rejected} rejected`);
  out(`  buckets: ${Object.entries(r.buckets).map(([k, n]) => `${k} ${n}`).join(", ")}`);
  if (r.errors.length) {
    out(`  rejected rows:`);
    for (const e of r.errors.slice(0, SHOWN_ERRORS)) out(`    line ${e.line}, ${e.column}: ${e.reason}`);
    if (r.errors.length > SHOWN_ERRORS) out(`    … and ${r.errors.length - SHOWN_ERRORS} more (use --errors-out FILE for all)`);
  }
}
