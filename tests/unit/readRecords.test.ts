/**
 * The CSV reader's recovery from malformed quoting (server/import/readRecords.ts): a bad record is
 * reported on its first line, and the good records around it are still read. The first case is the
 * fuzz campaign's counterexample (seed 352387772): a quoted line break on one line and a stray
 * quote on the next made the reader re-read from the second line, where the stray quote then
 * swallowed the good row after it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readRecords } from "@/server/import/readRecords";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "read-records-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function read(text: string) {
  const file = path.join(dir, `posts-${Math.random().toString(36).slice(2)}.csv`);
  fs.writeFileSync(file, text);
  const out: { line: number; id?: string; reason?: string }[] = [];
  for await (const r of readRecords(file)) out.push(r.ok ? { line: r.line, id: String(r.values.post_id) } : { line: r.line, reason: r.reason });
  return out;
}

const HEADER = "post_id,account,text\n";

describe("readRecords: malformed quoting", () => {
  it("skips a whole multi-line record with a stray quote on a later line and keeps the rows after it", async () => {
    const out = await read(HEADER + 'p1,",\n",ab""c\np2,acme,"\r"\np3,acme,plain');
    expect(out.map((r) => r.line)).toEqual([2, 4, 6]); // p2's quoted \r is a line break too
    expect(out[0]!.reason).toMatch(/^value 3 has a quote .*\(in the record on lines 2–3\)$/);
    expect(out.slice(1).map((r) => r.id)).toEqual(["p2", "p3"]);
  });

  it("re-reads the lines an unclosed quote took along, so the rows after it are not lost", async () => {
    const out = await read(HEADER + 'p1,acme,"never closed\np2,acme,fine\np3,acme,"quoted"x\np4,acme,ok\n');
    // Line 2's quote runs to line 4 and leaves a wrong value count: read again from line 3.
    expect(out.find((r) => r.line === 2)?.reason).toBeTruthy();
    expect(out.filter((r) => r.id).map((r) => r.id)).toEqual(["p2", "p4"]);
  });

  it("reports a quote that is never closed once and keeps what came before", async () => {
    const out = await read(HEADER + 'p1,acme,ok\np2,acme,"open\np3,acme,also\n');
    expect(out[0]).toEqual({ line: 2, id: "p1" });
    expect(out.some((r) => r.line === 3 && /never closed/.test(r.reason ?? ""))).toBe(true);
    expect(out.find((r) => r.line === 4)?.id).toBe("p3");
  });
});
