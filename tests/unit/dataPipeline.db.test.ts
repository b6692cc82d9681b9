/**
 * The demo path end to end on a small world: generate → import (the real importer) →
 * verbalize → insights; re-running skips finished work.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, testDbKind } from "@/server/db/testing";
import type { DbHandle } from "@/server/db/client";
import { images } from "@/server/db/schema";
import { useTempDataDir } from "./tempDataDir";
import { generateWorld } from "@/server/world/generateWorld";
import { importFolder } from "@/server/services/importFolder";
import { verbalizeImages } from "@/server/services/verbalizeImages";
import { getDatasetInsights } from "@/server/services/getDatasetInsights";
import { parseCanonicalText } from "@/server/verbalize/canonical";
import { qualityProxy } from "@/server/verbalize/quality";

describe(`world → import → verbalize → insights (${testDbKind()})`, () => {
  let handle: DbHandle;
  let socialPosts = 0;
  const temp = useTempDataDir("pipeline");
  const root = temp.root;
  beforeAll(async () => {
    temp.enter();
    handle = await createTestDb();
    await generateWorld({ seed: 3, brands: 3, postsPerBrand: 30, stockAssets: 30, outDir: path.join(root, "world") });
  });
  afterAll(async () => {
    await handle?.close();
    temp.leave();
  });

  it("imports both datasets of a world with no rejected rows, twice idempotently", async () => {
    const csvRows = (dataset: string) => fs.readFileSync(path.join(root, "world", dataset, "scenes.jsonl"), "utf8").trim().split("\n").length;
    const first = await importFolder(handle.db, { dir: path.join(root, "world"), name: "w" });
    expect(first.map((r) => [r.dataset, r.kind, r.rejected])).toEqual([["w/social", "social", 0], ["w/stock", "stock", 0]]);
    socialPosts = first[0]!.inserted;
    expect(socialPosts).toBeGreaterThan(30);
    expect(first[1]!.inserted).toBe(30);
    expect(csvRows("stock")).toBe(30);
    const second = await importFolder(handle.db, { dir: path.join(root, "world"), name: "w" });
    expect(second.map((r) => [r.inserted, r.updated, r.unchanged])).toEqual([[0, 0, socialPosts], [0, 0, 30]]);
  });

  it("verbalizes every image once, with canonical text that parses back, quality and agreement", async () => {
    const run = await verbalizeImages(handle.db, { detector: null });
    expect(run.failed).toBe(0);
    expect(run.verbalized).toBe(run.total);
    const rows = await handle.db.select().from(images);
    expect(rows.length).toBe(run.total);
    for (const row of rows) {
      expect(row.verbalizedBy).toBe("pixels-only");
      expect(parseCanonicalText(row.canonicalText!)).toMatchObject({ colors: (row.verbalization as { colors: unknown }).colors });
      expect(row.quality).toBeGreaterThan(0);
      expect(row.quality).toBeLessThanOrEqual(1);
    }
    expect(rows.some((r) => r.agreement !== null)).toBe(true);
    expect((await verbalizeImages(handle.db, { detector: null })).total).toBe(0); // resumable: nothing left
    expect((await verbalizeImages(handle.db, { detector: null, force: true })).total).toBe(rows.length);
  });

  it("reports insights: buckets, likes histogram, attribute frequencies high vs low", async () => {
    const [social] = (await importFolder(handle.db, { dir: path.join(root, "world"), name: "w" }));
    const r = await getDatasetInsights(handle.db, social!.datasetId);
    expect(r.summary).toMatchObject({ posts: socialPosts, accounts: 3 });
    expect(r.summary.verbalized).toBe(r.summary.images);
    expect(r.kpiHistogram.reduce((s, b) => s + b.posts, 0)).toBe(socialPosts);
    expect(r.buckets.find((b) => b.bucket === "high")?.meanQuality).toBeGreaterThan(0);
    expect(r.frequencies.filter((f) => f.kind === "color").length).toBeGreaterThan(3);
    for (const f of r.frequencies) {
      expect(f.high).toBeGreaterThanOrEqual(0);
      expect(f.high).toBeLessThanOrEqual(1);
    }
  });
});

describe("quality proxy", () => {
  it("rates a flat gray image below a sharp, colorful one", () => {
    const w = 32;
    const flat = new Uint8Array(w * w * 4).fill(128);
    const checker = new Uint8Array(w * w * 4);
    for (let i = 0; i < w * w; i++) checker.set((i + Math.floor(i / w)) % 2 ? [245, 215, 50, 255] : [20, 35, 100, 255], i * 4);
    expect(qualityProxy(flat, w, w).score).toBeLessThan(0.05);
    expect(qualityProxy(checker, w, w).score).toBeGreaterThan(0.8);
  });
});
