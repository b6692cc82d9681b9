/**
 * The importer on a folder of broken rows: every good row lands, every bad one is reported with
 * its line and column, nothing aborts; re-import is idempotent; buckets and splits follow SPEC §3.3.
 */
import fs from "node:fs";
import path from "node:path";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { createTestDb, testDbKind } from "@/server/db/testing";
import { queryRows, type DbHandle } from "@/server/db/client";
import { images, posts } from "@/server/db/schema";
import { useTempDataDir } from "./tempDataDir";
import { importFolder } from "@/server/services/importFolder";
import { MAX_RECORD_CHARS } from "@/server/import/readRecords";

function png(w: number, h: number, rgb: [number, number, number]) {
  const image = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) image.data.set([...rgb, 255], i * 4);
  return PNG.sync.write(image);
}

function makeBrokenFolder(root: string) {
  const dir = path.join(root, "brand-import");
  fs.mkdirSync(path.join(dir, "media"), { recursive: true });
  fs.writeFileSync(path.join(dir, "media/blue.png"), png(8, 8, [40, 90, 210]));
  fs.writeFileSync(path.join(dir, "media/red.png"), png(8, 8, [214, 40, 40]));
  fs.writeFileSync(path.join(dir, "media/notes.png"), "these are meeting notes, not an image\n");
  fs.writeFileSync(path.join(dir, "media/truncated.png"), png(32, 32, [50, 160, 70]).subarray(0, 60));
  fs.writeFileSync(path.join(root, "outside.png"), png(4, 4, [0, 0, 0]));
  const huge = path.join(dir, "media/huge.png");
  fs.writeFileSync(huge, png(4, 4, [1, 2, 3]));
  fs.truncateSync(huge, 50 * 1024 * 1024); // a 50 MB file (sparse on disk)
  const csv = [
    "post_id,account,posted_at,text,keywords,likes,media",
    'p1,acme,2024-03-01T10:00:00Z,"Spring launch, new bottle",launch;spring,120,media/blue.png;media/red.png',
    "p2,acme,yesterday,Bad date,,5,media/blue.png",
    "p3,acme,2024-03-03T10:00:00Z,Negative likes,,-5,media/blue.png",
    "p4,acme,2024-03-04T10:00:00Z,Missing image,,7,media/missing.png",
    "p5,acme,2024-03-05T10:00:00Z,Not an image,,8,media/notes.png",
    "p6,acme,2024-03-06T10:00:00Z,Escapes,,9,../outside.png",
    "p7,acme,2024-03-07T10:00:00Z,Truncated,,10,media/truncated.png",
    "p8,acme,2024-03-08T10:00:00Z,Too big,,11,media/huge.png",
    'p9,acme,2024-03-09,"He said ""hi"", then left",,300,media/red.png',
    "p1,acme,2024-03-10T10:00:00Z,Duplicate id,,1,media/blue.png",
    "p10,zenith,2024-03-11T10:00:00+02:00,Other account,community,40,media/blue.png",
    "p11,zenith,2024-03-12T10:00:00Z,Absolute path,,41,/etc/passwd",
    "p12,zenith,2024-03-13T10:00:00Z,Too,many,columns,here,1,media/blue.png",
    "p13,zenith,2024-03-14T10:00:00Z,Likes not a number,,12.5,media/blue.png",
  ];
  fs.writeFileSync(path.join(dir, "posts.csv"), csv.join("\n") + "\n");
  return dir;
}

describe(`importer (${testDbKind()})`, () => {
  let handle: DbHandle;
  const temp = useTempDataDir("import");
  const root = temp.root;
  beforeAll(async () => {
    temp.enter();
    handle = await createTestDb();
  });
  afterAll(async () => {
    await handle?.close();
    temp.leave();
  });

  it("imports every good row and reports every bad one with its line and column", async () => {
    const dir = makeBrokenFolder(root);
    const [result] = await importFolder(handle.db, { dir });
    expect(result).toMatchObject({ dataset: "brand-import", kind: "social", inserted: 3, updated: 0, unchanged: 0 });
    const byLine = Object.fromEntries(result!.errors.map((e) => [e.line, `${e.column}: ${e.reason}`]));
    expect(byLine[3]).toMatch(/^posted_at: is not an ISO 8601 date \(got "yesterday"\)/);
    expect(byLine[4]).toMatch(/^likes: must be ≥ 0 \(got -5\)/);
    expect(byLine[5]).toMatch(/^media: "media\/missing.png" does not exist/);
    expect(byLine[6]).toMatch(/^media: "media\/notes.png": /);
    expect(byLine[7]).toMatch(/^media: "..\/outside.png" leaves the import folder/);
    expect(byLine[8]).toMatch(/^media: "media\/truncated.png": /);
    expect(byLine[9]).toMatch(/^media: "media\/huge.png" is 50.0 MB, over the 10 MB limit/);
    expect(byLine[11]).toMatch(/^post_id: duplicates the id on line 2/);
    expect(byLine[13]).toMatch(/^media: "\/etc\/passwd": absolute paths are not allowed/);
    expect(byLine[14]).toMatch(/^\(row\): /);
    expect(byLine[15]).toMatch(/^likes: must be a whole number ≥ 0/);
    expect(result!.rejected).toBe(11);

    const stored = await handle.db.select().from(posts).where(eq(posts.datasetId, result!.datasetId));
    expect(stored.map((p) => p.externalId).sort()).toEqual(["p1", "p10", "p9"]);
    const p9 = stored.find((p) => p.externalId === "p9")!;
    expect(p9.text).toBe('He said "hi", then left');
    const p1 = stored.find((p) => p.externalId === "p1")!;
    expect(p1.keywords).toEqual(["launch", "spring"]);
    const p1Images = await handle.db.select().from(images).where(eq(images.postId, p1.id));
    expect(p1Images.map((i) => [i.position, i.mediaPath, i.width])).toEqual([[0, "media/blue.png", 8], [1, "media/red.png", 8]].sort());
    for (const img of p1Images) expect(fs.existsSync(path.join(root, "data", img.storedPath))).toBe(true);
  });

  it("re-import changes nothing; an edited row is updated", async () => {
    const dir = path.join(root, "brand-import");
    const [again] = await importFolder(handle.db, { dir });
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 3, rejected: 11 });
    const csvPath = path.join(dir, "posts.csv");
    fs.writeFileSync(csvPath, fs.readFileSync(csvPath, "utf8").replace(",300,media/red.png", ",301,media/red.png"));
    const [edited] = await importFolder(handle.db, { dir });
    expect(edited).toMatchObject({ inserted: 0, updated: 1, unchanged: 2 });
    const [p9] = await handle.db.select().from(posts).where(eq(posts.externalId, "p9"));
    expect(p9!.likes).toBe(301);
  });

  it("reads JSONL with line numbers and rejects a missing-column CSV as a whole", async () => {
    const dir = path.join(root, "jsonl-import");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "a.png"), png(4, 4, [245, 215, 50]));
    fs.writeFileSync(
      path.join(dir, "posts.jsonl"),
      [
        JSON.stringify({ post_id: "j1", account: "acme", posted_at: "2023-01-01T00:00:00Z", text: "ok", keywords: ["x"], likes: 3, media: "a.png" }),
        "{not json",
        JSON.stringify({ post_id: "j2", account: "acme", posted_at: "2023-01-02T00:00:00Z", text: "no likes", media: "a.png" }),
      ].join("\n"),
    );
    const [result] = await importFolder(handle.db, { dir });
    expect(result).toMatchObject({ inserted: 1, rejected: 2 });
    expect(result!.errors.map((e) => [e.line, e.column])).toEqual([[2, "(row)"], [3, "likes"]]);

    const bad = path.join(root, "bad-header");
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, "posts.csv"), "post_id,account,text\n1,a,b\n");
    await expect(importFolder(handle.db, { dir: bad })).rejects.toThrow(/missing columns posted_at, likes, media/);
  });

  it("skips a JSONL line longer than a record may be, unread, and imports the lines after it", async () => {
    const dir = path.join(root, "jsonl-long-line");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "a.png"), png(4, 4, [245, 215, 50]));
    const post = (id: string, text: string) => JSON.stringify({ post_id: id, account: "acme", posted_at: "2023-01-01T00:00:00Z", text, likes: 3, media: "a.png" });
    fs.writeFileSync(path.join(dir, "posts.jsonl"), [
      "\uFEFF" + post("k1", "first"),
      post("k2", "x".repeat(MAX_RECORD_CHARS + 10)), // just over: read, then refused
      post("k3", "y".repeat(3 * MAX_RECORD_CHARS)), // far over: dropped while it streams, never held whole
      post("k4", "after"),
    ].join("\r\n"));
    const [result] = await importFolder(handle.db, { dir });
    expect(result).toMatchObject({ inserted: 2, rejected: 2 });
    const tooLong = (line: number) => expect.objectContaining({ line, column: "(row)", reason: expect.stringContaining(`longer than ${MAX_RECORD_CHARS} characters`) });
    expect(result!.errors).toEqual([tooLong(2), tooLong(3)]);
  });

  it("buckets social posts per account (top 10% high, bottom 60% low) and splits 10% per bucket to test", async () => {
    const dir = path.join(root, "big");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "a.png"), png(4, 4, [30, 128, 128]));
    const rows = ["post_id,account,posted_at,text,keywords,likes,media"];
    for (const account of ["a", "b"])
      for (let i = 0; i < 100; i++) rows.push(`${account}${i},${account},2024-01-${String((i % 28) + 1).padStart(2, "0")},t,,${account === "a" ? i : i * 10},a.png`);
    rows.push("old1,a,2017-01-01,too old,,100000,a.png"); // outside the last 5 years: unbucketed
    fs.writeFileSync(path.join(dir, "posts.csv"), rows.join("\n"));
    const [result] = await importFolder(handle.db, { dir });
    expect(result!.buckets).toEqual({ "high/test": 2, "high/train": 18, "low/test": 12, "low/train": 108, "none/train": 61 });
    const highs = await queryRows<{ account: string; min: number }>(
      handle.db,
      sql`select account, min(likes)::int as min from posts where dataset_id = ${result!.datasetId} and bucket = 'high' group by 1 order by 1`,
    );
    expect(highs).toEqual([{ account: "a", min: 90 }, { account: "b", min: 900 }]);
    // Stable: importing again assigns exactly the same test posts.
    const before = await queryRows<{ external_id: string }>(handle.db, sql`select external_id from posts where dataset_id = ${result!.datasetId} and split = 'test' order by 1`);
    await importFolder(handle.db, { dir });
    const after = await queryRows<{ external_id: string }>(handle.db, sql`select external_id from posts where dataset_id = ${result!.datasetId} and split = 'test' order by 1`);
    expect(after).toEqual(before);
  });

  it("cuts stock assets into forward-action terciles", async () => {
    const dir = path.join(root, "stock");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "s.png"), png(4, 4, [200, 160, 50]));
    const rows = ["asset_id,caption,keywords,released_at,downloads,forward_actions,impressions,media"];
    for (let i = 0; i < 30; i++) rows.push(`s${i},Asset ${i},stock;photo,2022-05-01,${i * 2},${i},${i * 100},s.png`);
    fs.writeFileSync(path.join(dir, "posts.csv"), rows.join("\n"));
    const [result] = await importFolder(handle.db, { dir });
    expect(result!.kind).toBe("stock");
    expect(result!.buckets).toEqual({ "high/test": 1, "high/train": 9, "low/test": 1, "low/train": 9, "medium/test": 1, "medium/train": 9 });
  });
});
