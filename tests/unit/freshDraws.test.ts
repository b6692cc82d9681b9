/**
 * Fresh draws of the same world (server/eval/freshDraws.ts), on two tiny worlds of one seed: every
 * post or asset the filter calls old has exactly its original's scene, every one it calls fresh
 * has a scene the original world never drew, and worlds of other seeds are refused.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshRecordFilter, originalRecordKey } from "@/server/eval/freshDraws";
import { generateWorld } from "@/server/world/generateWorld";
import { loadWorldModel } from "@/server/world/worldModel";

let root: string;
/** media path → scene (JSON) of a world's dataset. */
const scenes = (world: string, dataset: "social" | "stock") =>
  new Map(fs.readFileSync(path.join(world, dataset, "scenes.jsonl"), "utf8").trim().split("\n").map((line) => {
    const r = JSON.parse(line) as { media: string; scene: unknown };
    return [r.media, JSON.stringify(r.scene)];
  }));
/** The instruction record id of a media file (media/p000012_0.png → world/social/p000012/0#1). */
const recordId = (dataset: "social" | "stock", media: string) => {
  const [, post, image] = /media\/([pa]\d+)_?(\d+)?\.png/.exec(media)!;
  return `world/${dataset}/${post}/${image ?? 0}#1`;
};

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "boig-fresh-"));
  await generateWorld({ seed: 5, brands: 3, postsPerBrand: 8, stockAssets: 6, outDir: path.join(root, "original") });
  await generateWorld({ seed: 5, brands: 3, postsPerBrand: 16, stockAssets: 12, outDir: path.join(root, "extended") });
  await generateWorld({ seed: 6, brands: 3, postsPerBrand: 16, stockAssets: 12, outDir: path.join(root, "other") });
}, 120_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("freshRecordFilter", () => {
  it("calls old exactly the images whose scene the original world drew", () => {
    const isFresh = freshRecordFilter(loadWorldModel(path.join(root, "original/world.json")), loadWorldModel(path.join(root, "extended/world.json")));
    for (const dataset of ["social", "stock"] as const) {
      const original = new Set(scenes(path.join(root, "original"), dataset).values());
      const extended = scenes(path.join(root, "extended"), dataset);
      let fresh = 0;
      for (const [media, scene] of extended) {
        const id = recordId(dataset, media);
        expect(original.has(scene), `${id}`).toBe(!isFresh(id));
        if (isFresh(id)) fresh++;
      }
      expect(fresh).toBeGreaterThan(extended.size / 3); // about half the extended world is new
    }
  });

  it("maps every old image to the original record that shows the same scene", () => {
    const toOriginal = originalRecordKey(loadWorldModel(path.join(root, "original/world.json")), loadWorldModel(path.join(root, "extended/world.json")));
    for (const dataset of ["social", "stock"] as const) {
      const originalById = new Map([...scenes(path.join(root, "original"), dataset)].map(([media, scene]) => [recordId(dataset, media).split("#")[0]!, scene]));
      for (const [media, scene] of scenes(path.join(root, "extended"), dataset)) {
        const key = toOriginal(recordId(dataset, media));
        if (key !== null) expect(originalById.get(key), media).toBe(scene);
      }
    }
  });

  it("refuses worlds of different seeds and ids it cannot place", () => {
    const original = loadWorldModel(path.join(root, "original/world.json"));
    expect(() => freshRecordFilter(original, loadWorldModel(path.join(root, "other/world.json")))).toThrow(/share seed and brands/);
    expect(() => freshRecordFilter(original, original)("world/x/q1")).toThrow(/cannot tell which post/);
  });
});
