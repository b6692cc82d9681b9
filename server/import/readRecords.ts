/**
 * Streams the raw records of posts.csv / posts.jsonl with their line numbers. Malformed
 * records (broken CSV quoting, invalid JSON) are yielded as errors, never abort the file.
 */
import fs from "node:fs";
import readline from "node:readline";
import { parse } from "csv-parse";

export type RawRecord =
  | { ok: true; line: number; values: Record<string, unknown> }
  | { ok: false; line: number; column: string; reason: string };

export async function readHeader(file: string): Promise<string[]> {
  if (file.endsWith(".jsonl")) {
    // JSONL has no header: the keys of the first valid object stand in for it.
    for await (const record of readJsonl(file)) if (record.ok) return Object.keys(record.values);
    return [];
  }
  const stream = fs.createReadStream(file, { encoding: "utf8", end: 64 * 1024 });
  const rl = readline.createInterface({ input: stream });
  for await (const line of rl) {
    rl.close();
    stream.destroy();
    return line.replace(/^\uFEFF/, "").split(",").map((c) => c.trim().replace(/^"|"$/g, ""));
  }
  return [];
}

export function readRecords(file: string): AsyncGenerator<RawRecord> {
  return file.endsWith(".jsonl") ? readJsonl(file) : readCsv(file);
}

async function* readJsonl(file: string): AsyncGenerator<RawRecord> {
  const rl = readline.createInterface({ input: fs.createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line++;
    if (text.trim() === "") continue;
    try {
      const values = JSON.parse(text);
      if (values === null || typeof values !== "object" || Array.isArray(values))
        yield { ok: false, line, column: "(row)", reason: "is not a JSON object" };
      else yield { ok: true, line, values };
    } catch (err) {
      yield { ok: false, line, column: "(row)", reason: `is not valid JSON: ${(err as Error).message}` };
    }
  }
}

async function* readCsv(file: string): AsyncGenerator<RawRecord> {
  const skipped: RawRecord[] = [];
  const parser = fs.createReadStream(file).pipe(
    parse({
      columns: (header: string[]) => header.map((h) => h.trim()),
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: false,
      skip_records_with_error: true,
    }),
  );
  parser.on("skip", (err: Error & { lines?: number }) => {
    skipped.push({ ok: false, line: err.lines ?? 0, column: "(row)", reason: err.message.replace(/^Invalid Record Length: /, "") });
  });
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    while (skipped.length) yield skipped.shift()!;
    yield { ok: true, line: info.lines, values: record };
  }
  while (skipped.length) yield skipped.shift()!;
}
