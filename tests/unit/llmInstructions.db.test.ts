/**
 * exportInstructions on a small simulated world (generate → import → verbalize → export):
 * all four types, the 20% KPI noise, no test-split leakage, deterministic files.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/server/db/client";
import { createTestDb, testDbKind } from "@/server/db/testing";
import { posts } from "@/server/db/schema";
import { exportInstructions } from "@/server/llm/exportInstructions";
import type { InstructionRecord } from "@/server/llm/instructions";
import { reservedTokens } from "@/server/llm/instructions";
import { buildVocab, Tokenizer } from "@/server/llm/tokenizer";
import { importFolder } from "@/server/services/importFolder";
import { verbalizeImages } from "@/server/services/verbalizeImages";
import { parseCanonicalText } from "@/server/verbalize/canonical";
import { generateWorld } from "@/server/world/generateWorld";
import { useTempDataDir } from "./tempDataDir";

const readJsonl = (file: string) => fs.readFileSync(file, "utf8").trim().split("\n").map((line) => JSON.parse(line) as InstructionRecord);

describe(`exportInstructions on a small world (${testDbKind()})`, () => {
  let handle: DbHandle;
  const temp = useTempDataDir("llm-instructions");
  const out = path.join(temp.root, "instructions");
  let train: InstructionRecord[] = [];
  let test: InstructionRecord[] = [];
  beforeAll(async () => {
    temp.enter();
    handle = await createTestDb();
    await generateWorld({ seed: 5, brands: 3, postsPerBrand: 60, stockAssets: 60, outDir: path.join(temp.root, "world") });
    await importFolder(handle.db, { dir: path.join(temp.root, "world"), name: "w" });
    await verbalizeImages(handle.db, { detector: null });
    await exportInstructions(handle.db, out);
    train = readJsonl(path.join(out, "train.jsonl"));
    test = readJsonl(path.join(out, "test.jsonl"));
  });
  afterAll(async () => {
    await handle?.close();
    temp.leave();
  });

  it("writes types 1–4 and the no-KPI variant for both datasets, with parseable targets", () => {
    for (const records of [train, test]) {
      const kinds = new Set(records.map((r) => `${r.type}:${r.variant}:${r.kind}`));
      expect([...kinds].sort()).toEqual(["1:behavior:social", "1:nokpi:social", "2:behavior:stock", "2:nokpi:stock", "3:behavior:social", "4:behavior:stock"]);
    }
    for (const r of [...train, ...test]) {
      const canonical = r.type >= 3 ? r.target.replace(/^kpi (high|medium|low) ; /, "") : r.target;
      expect(canonical).toBe(r.verbalization);
      expect(() => parseCanonicalText(canonical, { strict: true })).not.toThrow();
    }
  });

  it("corrupts ~20% of the type 3/4 input labels and states the true label first", () => {
    const check = train.filter((r) => r.type >= 3);
    const rate = check.filter((r) => r.noisy).length / check.length;
    expect(rate).toBeGreaterThan(0.12);
    expect(rate).toBeLessThan(0.28);
    for (const r of check) expect(r.target.startsWith(`kpi ${r.bucket} ; `) && r.noisy === (r.inputKpi !== r.bucket)).toBe(true);
  });

  it("keeps the test split out of train.jsonl and out of the vocabulary", async () => {
    const rows = await handle.db.select({ id: posts.id, split: posts.split, bucket: posts.bucket }).from(posts);
    const splitOf = new Map(rows.map((p) => [p.id, p.split]));
    expect(train.every((r) => splitOf.get(r.postId) === "train" && r.split === "train")).toBe(true);
    expect(test.every((r) => splitOf.get(r.postId) === "test" && r.split === "test")).toBe(true);
    const trainImages = new Set(train.map((r) => r.imageId));
    expect(test.some((r) => trainImages.has(r.imageId))).toBe(false);
    const usedPosts = new Set([...train, ...test].map((r) => r.postId));
    expect(rows.filter((p) => p.bucket === null).some((p) => usedPosts.has(p.id))).toBe(false); // unbucketed posts are left out
    const vocab = (JSON.parse(fs.readFileSync(path.join(out, "vocab.json"), "utf8")) as { tokens: string[] }).tokens;
    expect(vocab).toEqual(buildVocab(train.flatMap((r) => [r.prompt, r.target]), reservedTokens(), 2, 4000));
    const meta = JSON.parse(fs.readFileSync(path.join(out, "meta.json"), "utf8")) as { images: { train: number; test: number } };
    expect(meta.images).toEqual({ train: train.length / 3, test: test.length / 3 });
  });

  it("encodes every target with no <unk> and fits the default context", () => {
    const tokenizer = Tokenizer.fromJson(JSON.parse(fs.readFileSync(path.join(out, "vocab.json"), "utf8")));
    for (const r of [...train, ...test]) {
      const { ids, targetStart } = tokenizer.encodeExample(r.prompt, r.target);
      expect(ids.slice(targetStart).includes(tokenizer.unkId)).toBe(false);
      expect(ids.length).toBeLessThanOrEqual(192);
    }
  });

  it("is deterministic: a second export writes identical files", async () => {
    const again = path.join(temp.root, "again");
    await exportInstructions(handle.db, again, { datasets: ["w/social", "w/stock"] });
    for (const file of ["train.jsonl", "test.jsonl", "vocab.json", "meta.json"]) {
      expect(fs.readFileSync(path.join(again, file), "utf8")).toBe(fs.readFileSync(path.join(out, file), "utf8"));
    }
    const socialOnly = await exportInstructions(handle.db, path.join(temp.root, "social"), { datasets: ["w/social"] });
    expect(socialOnly.datasets).toEqual([{ name: "w/social", kind: "social" }]);
  });
});
