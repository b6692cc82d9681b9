/**
 * Streams the raw records of posts.csv / posts.jsonl with their line numbers. Malformed
 * records (broken CSV quoting, a wrong number of values, invalid JSON) are yielded as errors
 * naming the line the record starts on, and reading goes on with the next line: one bad row
 * never costs the rows after it.
 *
 * Why CSV is read here and not with csv-parse: after a quoting error its skip_records_with_error
 * mode stays "inside quotes" and swallows every later record of the file into one error (a single
 * `"ab"c` cell cost all following rows; found by tests/unit/fuzz.importer.test.ts). RFC 4180 is
 * small enough to read exactly, and this way each record's first line is known too.
 */
import fs from "node:fs";
import readline from "node:readline";

export type RawRecord =
  | { ok: true; line: number; values: Record<string, unknown> }
  | { ok: false; line: number; column: string; reason: string };

/**
 * The most one record may hold: a CSV record's physical lines while we look for the quote that closes
 * a value, or one JSONL line. A longer one is reported and skipped unread, so one multi-GB line cannot
 * exhaust memory (docs/security.md).
 */
export const MAX_RECORD_CHARS = 1024 * 1024;

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
  for await (const { body: text, line, tooLong } of physicalLines(file)) {
    if (tooLong) {
      yield { ok: false, line, column: "(row)", reason: `is longer than ${MAX_RECORD_CHARS} characters` };
      continue;
    }
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

/**
 * One line of the file and its own terminator (\n, \r\n or \r), so a quoted value keeps its exact line breaks.
 * Invariant: a body never exceeds MAX_RECORD_CHARS; a longer line comes as `tooLong` with no body.
 */
type PhysicalLine = { body: string; eol: string; line: number; tooLong?: boolean };

async function* physicalLines(file: string): AsyncGenerator<PhysicalLine> {
  const eol = /\r\n|\r|\n/g;
  let rest = "";
  let line = 0;
  let skippingLongLine = false;
  for await (const chunk of fs.createReadStream(file, { encoding: "utf8" }) as AsyncIterable<string>) {
    rest += line === 0 && rest === "" ? chunk.replace(/^\uFEFF/, "") : chunk;
    let from = 0;
    eol.lastIndex = 0;
    for (let m = eol.exec(rest); m; m = eol.exec(rest)) {
      if (m[0] === "\r" && m.index === rest.length - 1) break; // maybe the first half of \r\n: wait for more
      if (skippingLongLine) skippingLongLine = false;
      else if (m.index - from > MAX_RECORD_CHARS) yield { body: "", eol: m[0], line: ++line, tooLong: true };
      else yield { body: rest.slice(from, m.index), eol: m[0], line: ++line };
      from = m.index + m[0].length;
    }
    rest = rest.slice(from);
    // A "line" of megabytes without a break is not a post: report it once and drop it unread.
    if (rest.length > MAX_RECORD_CHARS) {
      if (!skippingLongLine) yield { body: "", eol: "", line: ++line, tooLong: true };
      skippingLongLine = true;
      rest = "";
    }
  }
  if (rest && !skippingLongLine) {
    const cr = rest.endsWith("\r"); // the file's very last byte: a lone \r line break
    yield { body: cr ? rest.slice(0, -1) : rest, eol: cr ? "\r" : "", line: ++line };
  }
}

type Scanned =
  | { kind: "record"; lines: number; values: string[] }
  | { kind: "malformed"; lines: number; errorOnLine: number; reason: string; inSpanningValue: boolean }
  | { kind: "unclosed"; reason: string };

const PLAIN_RUN = /[^,"]+/y;
const NEVER_CLOSED = 'has a quote (") that opens a quoted value which is never closed';

/**
 * Reads one CSV record from `lines` (RFC 4180: a value is plain, without quotes, or wholly in
 * double quotes with "" for a quote inside; a quoted value may span lines). Where the record ends
 * is decided by the quoting alone, so a malformed value — a quote inside a plain value, text after
 * a closing quote — is read on leniently to the record's real end and then reported, instead of
 * throwing the reader out of step with the lines after it.
 * `more()` fetches the next line when a quoted value goes on over a line break.
 */
async function scanRecord(lines: PhysicalLine[], more: (n: number) => Promise<boolean>): Promise<Scanned> {
  const values: string[] = [];
  let value = "";
  let state: "start" | "plain" | "quoted" | "closed" = "start";
  // Set through fail() (a closure), so the cast keeps TypeScript from narrowing it to null.
  let error = null as { onLine: number; reason: string; value: number } | null;
  let chars = 0;
  const spanningValues = new Set<number>(); // indexes of quoted values that go on over a line break
  const fail = (onLine: number, reason: string) => (error ??= { onLine, reason, value: values.length });
  for (let k = 0; ; k++) {
    if (k > 0 && !(await more(k + 1))) return { kind: "unclosed", reason: error?.reason ?? NEVER_CLOSED };
    const { body, eol, tooLong } = lines[k]!;
    chars += body.length;
    if (tooLong || chars > MAX_RECORD_CHARS) return { kind: "unclosed", reason: error?.reason ?? NEVER_CLOSED };
    for (let i = 0; i < body.length; ) {
      if (state === "quoted") {
        const quote = body.indexOf('"', i);
        if (quote < 0) {
          value += body.slice(i);
          i = body.length;
        } else {
          value += body.slice(i, quote);
          state = "closed";
          i = quote + 1;
        }
        continue;
      }
      const ch = body[i]!;
      if (state === "closed" && ch === '"') {
        value += '"'; // "" inside a quoted value
        state = "quoted";
        i++;
      } else if (ch === ",") {
        values.push(value);
        value = "";
        state = "start";
        i++;
      } else if (state === "start" && ch === '"') {
        state = "quoted";
        i++;
      } else {
        if (state === "closed")
          fail(k, `value ${values.length + 1} is in double quotes but followed by ${JSON.stringify(ch)}, not a comma (write "" for a quote inside a quoted value)`);
        else if (ch === '"') fail(k, `value ${values.length + 1} has a quote (") but is not in double quotes (quote the whole value and write the quote as "")`);
        state = "plain";
        // The rest of a plain value in one slice, up to the next comma or quote.
        PLAIN_RUN.lastIndex = i + 1;
        const run = PLAIN_RUN.exec(body);
        const end = run ? PLAIN_RUN.lastIndex : i + 1;
        value += body.slice(i, end);
        i = end;
      }
    }
    if (state === "quoted") {
      spanningValues.add(values.length);
      value += eol; // the value goes on over the line break
      continue;
    }
    values.push(value);
    if (!error) return { kind: "record", lines: k + 1, values };
    const { onLine, reason, value: badValue } = error;
    return { kind: "malformed", lines: k + 1, errorOnLine: onLine, reason, inSpanningValue: spanningValues.has(badValue) };
  }
}

async function* readCsv(file: string): AsyncGenerator<RawRecord> {
  const source = physicalLines(file);
  const buffered: PhysicalLine[] = [];
  let ended = false;
  const have = async (n: number) => {
    while (buffered.length < n && !ended) {
      const next = await source.next();
      if (next.done) ended = true;
      else buffered.push(next.value);
    }
    return buffered.length >= n;
  };
  let header: string[] | null = null;

  while (await have(1)) {
    const first = buffered[0]!;
    if (first.tooLong) {
      buffered.shift();
      yield { ok: false, line: first.line, column: "(row)", reason: `is longer than ${MAX_RECORD_CHARS} characters` };
      continue;
    }
    if (first.body === "") {
      buffered.shift(); // empty lines are not records
      continue;
    }
    const scanned = await scanRecord(buffered, have);
    let reason: string | null = null;
    if (scanned.kind === "record") buffered.splice(0, scanned.lines);
    else if (scanned.kind === "malformed" && (scanned.errorOnLine === 0 || !scanned.inSpanningValue)) {
      // Quotes that balance, and wrong on its own first line, or wrong in a value that is not one
      // of those going on over a line break (those closed cleanly, so they were meant): the
      // record's extent is right, skip it whole.
      buffered.splice(0, scanned.lines);
      reason = scanned.lines > 1 ? `${scanned.reason} (in the record on lines ${first.line}–${first.line + scanned.lines - 1})` : scanned.reason;
    } else {
      // Never closed, or only wrong on a later line: most likely a quote on this line that was
      // meant to be closed here. Read on from the next line, so the lines that quote took along
      // are read again as records of their own.
      buffered.shift();
      reason =
        scanned.kind === "unclosed"
          ? scanned.reason
          : `${scanned.reason} (read as one record from this line to line ${first.line + scanned.lines - 1}, because a quote on this line opens a value; check that it is closed)`;
    }
    if (reason !== null) {
      if (header) {
        yield { ok: false, line: first.line, column: "(row)", reason };
        continue;
      }
      // Without a header no row can be read: say so once instead of a complaint per row.
      yield { ok: false, line: first.line, column: "(header)", reason };
      return;
    }
    const values = (scanned as { values: string[] }).values;
    if (!header) {
      header = values.map((h) => h.trim());
      continue;
    }
    if (values.length !== header.length) {
      yield {
        ok: false,
        line: first.line,
        column: "(row)",
        reason: `has ${values.length} value${values.length === 1 ? "" : "s"} but the header has ${header.length} columns (a value with a comma must be in double quotes)`,
      };
      continue;
    }
    yield { ok: true, line: first.line, values: Object.fromEntries(header.map((name, i) => [name, values[i]!])) };
  }
}
