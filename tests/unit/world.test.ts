import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/server/errors";
import { CATEGORIES } from "@/server/world/categories";
import { generateWorld, type WorldSummary } from "@/server/world/generateWorld";
import { sceneSchema } from "@/server/world/scene";
import { buildWorldModel, loadWorldModel } from "@/server/world/worldModel";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "boig-world-"));
const dir = (name: string) => path.join(tmp, name);
const SMALL = { brands: 24, postsPerBrand: 5, size: 48 } as const;

/** sha256 of every file under root, by relative path. */
function digest(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out[path.relative(root, full)] = crypto.createHash("sha256").update(fs.readFileSync(full)).digest("hex");
    }
  };
  walk(root);
  return out;
}

const readCsv = (file: string) =>
  parse(fs.readFileSync(file), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
const header = (file: string) => fs.readFileSync(file, "utf8").split("\n")[0];

let summary: WorldSummary;
let progress: number[] = [];
beforeAll(async () => {
  summary = await generateWorld({ seed: 11, outDir: dir("a"), ...SMALL, onProgress: (f) => progress.push(f) });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("generateWorld", () => {
  it("is deterministic: same seed, byte-identical files; another seed differs", async () => {
    await generateWorld({ seed: 11, outDir: dir("b"), ...SMALL });
    await generateWorld({ seed: 12, outDir: dir("c"), ...SMALL });
    const a = digest(dir("a"));
    expect(digest(dir("b"))).toEqual(a);
    const c = digest(dir("c"));
    expect(c["social/posts.csv"]).not.toBe(a["social/posts.csv"]);
    expect(c["stock/posts.csv"]).not.toBe(a["stock/posts.csv"]);
    expect(c["social/media/p000001_0.png"]).not.toBe(a["social/media/p000001_0.png"]);
  });

  it("writes the social import format of SPEC §3.2, with every image present and decodable", () => {
    const file = path.join(dir("a"), "social", "posts.csv");
    expect(header(file)).toBe("post_id,account,posted_at,text,keywords,likes,media");
    const rows = readCsv(file);
    expect(rows.length).toBe(summary.socialPosts);
    expect(new Set(rows.map((r) => r.post_id)).size).toBe(rows.length);
    expect(new Set(rows.map((r) => r.account)).size).toBe(24);
    expect(rows.some((r) => /[",]/.test(r.text!))).toBe(true); // quoting is exercised
    let images = 0;
    for (const row of rows) {
      expect(new Date(row.posted_at!).toISOString()).toBe(row.posted_at);
      expect(row.likes).toMatch(/^\d+$/);
      expect(row.keywords!.split(";").length).toBeGreaterThanOrEqual(3);
      const media = row.media!.split(";");
      expect(media.length).toBeGreaterThanOrEqual(1);
      expect(media.length).toBeLessThanOrEqual(3);
      for (const m of media) {
        expect(m).toMatch(/^media\/p\d{6}_\d\.png$/);
        const png = PNG.sync.read(fs.readFileSync(path.join(dir("a"), "social", m)));
        expect([png.width, png.height]).toEqual([SMALL.size, SMALL.size]);
        images++;
      }
    }
    expect(images).toBe(summary.socialImages);
    expect(summary.socialImages).toBeGreaterThan(summary.socialPosts); // some posts have several images
  });

  it("spans at least five years of posts", () => {
    const times = readCsv(path.join(dir("a"), "social", "posts.csv")).map((r) => Date.parse(r.posted_at!));
    const years = (Math.max(...times) - Math.min(...times)) / (365.25 * 86_400_000);
    expect(years).toBeGreaterThan(4.5);
    expect(new Set(times.map((t) => new Date(t).getUTCFullYear()))).toEqual(new Set([2021, 2022, 2023, 2024, 2025]));
  });

  it("writes the stock format with downloads <= forward actions <= impressions", () => {
    const file = path.join(dir("a"), "stock", "posts.csv");
    expect(header(file)).toBe("asset_id,caption,keywords,released_at,downloads,forward_actions,impressions,media");
    const rows = readCsv(file);
    expect(rows.length).toBe(summary.stockAssets);
    expect(summary.stockAssets).toBe(Math.round((24 * 5) / 2));
    for (const row of rows) {
      const [d, f, i] = [Number(row.downloads), Number(row.forward_actions), Number(row.impressions)];
      expect(Number.isInteger(d) && d >= 0 && d <= f && f <= i).toBe(true);
      expect(fs.existsSync(path.join(dir("a"), "stock", row.media!))).toBe(true);
    }
  });

  it("writes one ground-truth scene line per media file, and a world.json with ≥24 brands", () => {
    for (const dataset of ["social", "stock"]) {
      const lines = fs.readFileSync(path.join(dir("a"), dataset, "scenes.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
      const files = fs.readdirSync(path.join(dir("a"), dataset, "media")).map((f) => `media/${f}`).sort();
      expect(lines.map((l) => l.media).sort()).toEqual(files);
      for (const line of lines) {
        sceneSchema.parse(line.scene);
        expect(line.verbalization.objects.length).toBe(line.scene.objects.length);
      }
    }
    const world = loadWorldModel(path.join(dir("a"), "world.json"));
    expect(world).toEqual(buildWorldModel({ seed: 11, brands: 24, postsPerBrand: 5, stockAssets: 60, imageSize: SMALL.size }));
    expect(world.brands.length).toBeGreaterThanOrEqual(24);
    expect(new Set(world.brands.map((b) => b.category)).size).toBe(CATEGORIES.length);
    expect(CATEGORIES.length).toBeGreaterThanOrEqual(6);
  });

  it("reports progress up to 1 and leaves no partial folder", () => {
    expect(progress.at(-1)).toBe(1);
    expect(progress.every((f, i) => i === 0 || f >= progress[i - 1]!)).toBe(true);
    expect(fs.existsSync(path.join(dir("a"), ".partial"))).toBe(false);
  });

  it("replaces a previous world but refuses a folder holding other files", async () => {
    await generateWorld({ seed: 11, outDir: dir("a"), ...SMALL });
    expect(digest(dir("a"))).toEqual(digest(dir("b")));
    fs.mkdirSync(dir("other"));
    fs.writeFileSync(path.join(dir("other"), "notes.txt"), "mine");
    await expect(generateWorld({ seed: 1, outDir: dir("other"), ...SMALL })).rejects.toThrow(/not empty/);
    expect(fs.readdirSync(dir("other"))).toEqual(["notes.txt"]);
  });

  it("rejects bad options with BAD_INPUT naming the field", async () => {
    const bad = async (options: Record<string, unknown>, field: RegExp) => {
      const error = await generateWorld({ seed: 1, outDir: dir("bad"), ...options } as never).catch((e) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(error.code).toBe("BAD_INPUT");
      expect(error.message).toMatch(field);
    };
    await bad({ seed: -1 }, /^seed:/);
    await bad({ seed: 1.5 }, /^seed:/);
    await bad({ brands: 99 }, /^brands:/);
    await bad({ postsPerBrand: 0 }, /^postsPerBrand:/);
    await bad({ size: 8 }, /^size:/);
    await bad({ outDir: "" }, /^outDir:/);
    expect(fs.existsSync(dir("bad"))).toBe(false);
  });
});
