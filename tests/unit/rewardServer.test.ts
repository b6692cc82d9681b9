/**
 * `boig reward-server` (server/cli/rewardServer.ts), the app's reward for the DDPO trainer over
 * JSON lines: ping names the model, reward gives exactly what scoreImages gives in-process for
 * the same images and prompts, true_kpi exactly what estimateTrueKpis gives, and bad lines get an
 * ok:false reply naming what is wrong while the server keeps answering; it exits when its stdin closes.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fidLike } from "@/server/eval/fidLike";
import { imageFeatures } from "@/server/ml/imageFeatures";
import { readRecords } from "@/server/import/readRecords";
import { socialRowSchema, stockRowSchema } from "@/server/import/rowSchemas";
import { estimateTrueKpis, expectedKpiOf } from "@/server/services/estimateTrueKpis";
import { scoreImages } from "@/server/services/scoreImages";
import { decodeImage } from "@/server/verbalize/decodeImage";
import { generateWorld } from "@/server/world/generateWorld";
import { loadWorldModel } from "@/server/world/worldModel";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const modelDir = path.join(repoRoot, "tests/fixtures/llm/boigllm-tiny");

type Reply = { id: number | null; ok: boolean; error?: string; [key: string]: unknown };
type Item = { kind?: "social" | "stock"; brand?: string; date: string; prompt: string; keywords: string[]; png: string };

/** A running server: send() writes one line and resolves with the next reply line. */
class Server {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stdout: string[] = [];
  private waiting: ((line: string) => void)[] = [];
  private stderr = "";

  constructor(...args: string[]) {
    this.child = spawn(process.execPath, ["bin/boig.mjs", "reward-server", ...args], { cwd: repoRoot });
    this.child.stderr.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    readline.createInterface({ input: this.child.stdout }).on("line", (line) => {
      this.stdout.push(line);
      this.waiting.shift()?.(line);
    });
  }

  send(line: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${line.slice(0, 80)}; stderr: ${this.stderr}`)), 90_000);
      this.waiting.push((reply) => {
        clearTimeout(timer);
        resolve(JSON.parse(reply) as Reply);
      });
      this.child.stdin.write(line + "\n");
    });
  }

  request(body: object): Promise<Reply> {
    return this.send(JSON.stringify(body));
  }

  /** Closes stdin; resolves with the exit code. */
  close(): Promise<number | null> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve(this.child.exitCode);
      this.child.once("exit", (code) => resolve(code));
      this.child.stdin.end();
    });
  }
}

let world: string;
let server: Server;
const social: Item[] = [];
const stock: Item[] = [];

beforeAll(async () => {
  world = fs.mkdtempSync(path.join(os.tmpdir(), "boig-reward-server-"));
  await generateWorld({ seed: 3, brands: 1, postsPerBrand: 3, stockAssets: 2, outDir: world });
  for await (const record of readRecords(path.join(world, "social/posts.csv"))) {
    const row = socialRowSchema.parse(record.ok ? record.values : null);
    const png = fs.readFileSync(path.join(world, "social", row.media[0]!)).toString("base64");
    social.push({ kind: "social", brand: row.account, date: row.posted_at.toISOString(), prompt: row.text, keywords: row.keywords, png });
  }
  for await (const record of readRecords(path.join(world, "stock/posts.csv"))) {
    const row = stockRowSchema.parse(record.ok ? record.values : null);
    const png = fs.readFileSync(path.join(world, "stock", row.media[0]!)).toString("base64");
    stock.push({ kind: "stock", date: row.released_at.toISOString(), prompt: row.caption, keywords: row.keywords, png });
  }
  server = new Server("--model", modelDir, "--world", world);
});

afterAll(async () => {
  if (server && server.child.exitCode === null) server.child.kill();
  fs.rmSync(world, { recursive: true, force: true });
});

const toScoreInput = ({ png, ...fields }: Item) => ({ ...fields, image: new Uint8Array(Buffer.from(png, "base64")) });

describe("boig reward-server", () => {
  it("answers ping with the model and whether a world was given", async () => {
    const reply = await server.request({ id: 1, op: "ping" });
    expect(reply).toMatchObject({ id: 1, ok: true, world: true, model: { name: "boigllm" } });
    expect(typeof (reply.model as { version: string }).version).toBe("string");
  });

  it("rewards equal scoreImages in-process for the same images and prompts", async () => {
    // Each image with its own prompt, a social image under another post's prompt, and one with a long
    // caption and many keywords (its rows are the longest: the others' would be padded in a batch).
    const long = { ...social[0]!, prompt: `${social[0]!.prompt} ${"and the teal bicycle again ".repeat(8)}`, keywords: [...social[0]!.keywords, "spring", "summer", "sale"] };
    const items = [...social, ...stock, { ...social[0]!, png: social[1]!.png }, long];
    const reply = await server.request({ id: 2, op: "reward", items });
    expect(reply.ok).toBe(true);
    expect(reply.id).toBe(2);
    const rewards = reply.rewards as { paper: number; paperMean: number; calibrated: number; probabilityHigh: number; canonical: string; ceiling: number }[];
    expect(rewards).toHaveLength(items.length);
    // What the app serves (llm.score, `boig score`): the default options, breakdown included.
    const served = await scoreImages(items.map(toScoreInput), { modelDir });
    const worldModel = loadWorldModel(path.join(world, "world.json"));
    for (const [i, s] of served.entries()) {
      expect({ i, canonical: rewards[i]!.canonical }).toEqual({ i, canonical: s.canonical });
      const { paper, paperMean, calibrated, probabilityHigh } = s.reward;
      expect({ i, ...rewards[i]!, canonical: undefined, ceiling: undefined }).toEqual({ i, paper, paperMean, calibrated, probabilityHigh, canonical: undefined, ceiling: undefined });
      // The diagnostic ceiling (--world): log of the world's expected KPI of the verbalization that was scored.
      const item = items[i]!;
      const context = item.kind === "stock"
        ? { kind: "stock" as const, releasedAt: new Date(item.date), caption: item.prompt, keywords: item.keywords }
        : { kind: "social" as const, account: item.brand!, postedAt: new Date(item.date), text: item.prompt, keywords: item.keywords };
      expect(rewards[i]!.ceiling).toBeCloseTo(Math.log(expectedKpiOf(worldModel, context, s.verbalization)), 12);
    }
    // and each image scored alone (one upload on the Score page) gets the very numbers it got in the batch
    for (const [i, item] of items.entries()) {
      const [alone] = await scoreImages([toScoreInput(item)], { modelDir });
      expect({ i, paper: rewards[i]!.paper, calibrated: rewards[i]!.calibrated }).toEqual({ i, paper: alone!.reward.paper, calibrated: alone!.reward.calibrated });
    }
    expect(new Set(rewards.map((r) => r.calibrated)).size).toBeGreaterThan(1);
    expect(reply.model).toMatchObject({ name: "boigllm" });
  });

  it("true_kpi gives the world's expected KPI of each image (as estimateTrueKpis)", async () => {
    const items = [social[0]!, stock[0]!];
    const reply = await server.request({ id: 3, op: "true_kpi", items });
    expect(reply).toMatchObject({ id: 3, ok: true });
    const kpis = reply.kpis as number[];
    expect(kpis).toHaveLength(2);
    for (const kpi of kpis) expect(kpi).toBeGreaterThan(0);
    const model = loadWorldModel(path.join(world, "world.json"));
    const images = items.map((item) => decodeImage(new Uint8Array(Buffer.from(item.png, "base64"))));
    const truth = await estimateTrueKpis(
      model,
      [
        { kind: "social", account: social[0]!.brand!, postedAt: new Date(social[0]!.date), text: social[0]!.prompt, keywords: social[0]!.keywords },
        { kind: "stock", releasedAt: new Date(stock[0]!.date), caption: stock[0]!.prompt, keywords: stock[0]!.keywords },
      ],
      images,
    );
    expect(kpis).toEqual(truth.map((t) => t.kpi));
  });

  it("fid_like measures against the reference set: refused before one, 0 for the reference itself, as fidLike in-process", async () => {
    const pngs = [...social, ...stock].map((item) => item.png);
    expect(await server.request({ id: 20, op: "fid_like", pngs })).toMatchObject({ id: 20, ok: false, error: expect.stringMatching(/set_reference/) });
    expect(await server.request({ id: 21, op: "set_reference", pngs })).toMatchObject({ id: 21, ok: true, images: pngs.length });
    const same = await server.request({ id: 22, op: "fid_like", pngs });
    expect(same.fidLike as number).toBeCloseTo(0, 6);
    const other = [...pngs].reverse().slice(0, 3);
    const reply = await server.request({ id: 23, op: "fid_like", pngs: other });
    const decode = (png: string) => decodeImage(new Uint8Array(Buffer.from(png, "base64")));
    const expected = fidLike(await imageFeatures(other.map(decode)), await imageFeatures(pngs.map(decode)));
    expect(reply.fidLike as number).toBeCloseTo(expected, 6);
    expect(reply.fidLike as number).toBeGreaterThan(0);
    expect(await server.request({ id: 24, op: "fid_like", pngs: [pngs[0]!, "bm90IGEgcG5n"] })).toMatchObject({ ok: false, error: expect.stringMatching(/^pngs\.1: /) });
  });

  it("replies ok:false to a malformed line and keeps answering", async () => {
    const bad = await server.send("{not json");
    expect(bad.ok).toBe(false);
    expect(bad.id).toBeNull();
    expect(bad.error).toMatch(/JSON/);
    const unknownOp = await server.request({ id: 4, op: "explode" });
    expect(unknownOp).toMatchObject({ id: 4, ok: false });
    expect(unknownOp.error).toMatch(/^op: /);
    const noItems = await server.request({ id: 5, op: "reward", items: [] });
    expect(noItems).toMatchObject({ id: 5, ok: false });
    expect(noItems.error).toMatch(/^items: /);
    expect(await server.request({ id: 6, op: "ping" })).toMatchObject({ id: 6, ok: true });
  });

  it("names the field of a bad item: a bad date, a missing brand, a broken PNG", async () => {
    const badDate = await server.request({ id: 7, op: "reward", items: [{ ...social[0]!, date: "2024-13-45" }] });
    expect(badDate).toMatchObject({ id: 7, ok: false });
    expect(badDate.error).toMatch(/^items\.0\.date: is not an ISO 8601 date/);
    const noBrand = await server.request({ id: 8, op: "reward", items: [social[0]!, { ...social[1]!, brand: undefined }] });
    expect(noBrand.ok).toBe(false);
    expect(noBrand.error).toMatch(/^items\.1\.brand: /);
    const broken = await server.request({ id: 9, op: "true_kpi", items: [stock[0]!, { ...stock[1]!, png: Buffer.from("not a png").toString("base64") }] });
    expect(broken.ok).toBe(false);
    expect(broken.error).toMatch(/^items\.1\.png: /);
    const brokenReward = await server.request({ id: 11, op: "reward", items: [{ ...stock[0]!, png: Buffer.from("not a png").toString("base64") }] });
    expect(brokenReward).toMatchObject({ id: 11, ok: false });
    expect(brokenReward.error).toMatch(/^items\.0\.png: not a PNG or JPEG image/);
    expect(await server.request({ id: 10, op: "reward", items: [stock[0]!] })).toMatchObject({ id: 10, ok: true });
  });

  it("writes nothing but replies to stdout and exits 0 when stdin closes", async () => {
    for (const line of server.stdout) expect(JSON.parse(line)).toHaveProperty("ok");
    expect(await server.close()).toBe(0);
  });

  it("refuses true_kpi without --world, clearly", async () => {
    const bare = new Server("--model", modelDir);
    try {
      expect(await bare.request({ id: 1, op: "ping" })).toMatchObject({ ok: true, world: false });
      const scored = await bare.request({ id: 3, op: "reward", items: [stock[0]!] });
      expect((scored.rewards as Record<string, unknown>[])[0]).not.toHaveProperty("ceiling"); // no world: no ceiling
      const reply = await bare.request({ id: 2, op: "true_kpi", items: [stock[0]!] });
      expect(reply).toMatchObject({ id: 2, ok: false });
      expect(reply.error).toMatch(/true_kpi needs the server started with --world/);
    } finally {
      await bare.close();
    }
  });
});
