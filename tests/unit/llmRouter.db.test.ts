/**
 * The `llm` tRPC namespace through the app router's caller, as a signed-in marketer and as
 * anonymous, served by the tiny behavior model (BOIG_BOIGLLM_DIR, read in server/env.ts):
 * verbalize returns a strictly parsable canonical text and an SVG; score takes a base64 image
 * (a data: URL too) and refuses oversized or non-base64 input; a missing model is
 * SERVICE_UNAVAILABLE, never a crash.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ZodError } from "zod";
import { TRPCError } from "@trpc/server";
import { appRouter } from "@/server/api/root";
import { createCallerFactory, type SessionUser } from "@/server/api/trpc";
import type { DbHandle } from "@/server/db/client";
import { createTestDb, testDbKind } from "@/server/db/testing";
import { resetEnv } from "@/server/env";
import { createUser } from "@/server/services/createUser";
import { parseCanonicalText, toCanonicalText } from "@/server/verbalize/canonical";
import { DEFAULT_MAX_IMAGE_BYTES } from "@/server/verbalize/decodeImage";
import { generateWorld } from "@/server/world/generateWorld";

const modelDir = fileURLToPath(new URL("../fixtures/llm/boigllm-tiny", import.meta.url));
const createCaller = createCallerFactory(appRouter);

const verbalizeInput = {
  brand: "fizzwell",
  date: "2022-11-08T15:22:00Z",
  prompt: "Two words: fall sale. Grab the yellow cup for 10% less.",
  keywords: ["sale", "fall", "cup"],
  targetKpi: "high" as const,
};

async function trpcError(p: Promise<unknown>): Promise<TRPCError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

describe(`llm router (${testDbKind()})`, () => {
  let handle: DbHandle;
  let marketer: ReturnType<typeof createCaller>;
  let anonymous: ReturnType<typeof createCaller>;
  let worldDir: string;
  let renderBase64: string;
  const saved = process.env.BOIG_BOIGLLM_DIR;

  beforeAll(async () => {
    process.env.BOIG_BOIGLLM_DIR = modelDir;
    resetEnv();
    handle = await createTestDb();
    const u = await createUser(handle.db, { email: "mia@llm.test", password: "password123", role: "marketer" }, null);
    const user: SessionUser = { id: u.id, email: u.email, name: u.name, role: u.role };
    marketer = createCaller({ db: handle.db, user });
    anonymous = createCaller({ db: handle.db, user: null });
    worldDir = fs.mkdtempSync(path.join(os.tmpdir(), "boig-llm-router-"));
    await generateWorld({ seed: 3, brands: 1, postsPerBrand: 2, stockAssets: 1, outDir: worldDir });
    renderBase64 = fs.readFileSync(path.join(worldDir, "stock/media/a000001.png")).toString("base64");
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.BOIG_BOIGLLM_DIR;
    else process.env.BOIG_BOIGLLM_DIR = saved;
    resetEnv();
    fs.rmSync(worldDir, { recursive: true, force: true });
    await handle?.close();
  });

  it("verbalize returns a parsable canonical text, its verbalization and an SVG preview", async () => {
    const result = await marketer.llm.verbalize(verbalizeInput);
    expect(toCanonicalText(parseCanonicalText(result.canonical, { strict: true }))).toBe(result.canonical);
    expect(toCanonicalText(result.verbalization)).toBe(result.canonical);
    expect(result.instruction).toContain(" ; kpi high ; ");
    expect(result.preview).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(result.preview).toContain('data-section="colors"');
    expect(result.model).toMatchObject({ name: "boigllm" });
    // MBR by section (the default) is seeded, so deterministic; the other KPI label is a different instruction.
    expect(result.decoding).toBe("mbr");
    expect((await marketer.llm.verbalize(verbalizeInput)).canonical).toBe(result.canonical);
    expect((await marketer.llm.verbalize({ ...verbalizeInput, targetKpi: "low" })).instruction).toContain(" ; kpi low ; ");
  });

  it("verbalize decodes as asked: greedy, one seeded sample, or MBR by section over greedy and samples", async () => {
    const greedy = await marketer.llm.verbalize({ ...verbalizeInput, decoding: "greedy" });
    const sample = await marketer.llm.verbalize({ ...verbalizeInput, decoding: "sample", temperature: 1.5, seed: 3 });
    expect(greedy.decoding).toBe("greedy");
    expect((await marketer.llm.verbalize({ ...verbalizeInput, decoding: "sample", temperature: 1.5, seed: 3 })).canonical).toBe(sample.canonical);
    for (const r of [greedy, sample]) expect(toCanonicalText(parseCanonicalText(r.canonical, { strict: true }))).toBe(r.canonical);
    const e = await trpcError(marketer.llm.verbalize({ ...verbalizeInput, temperature: 0.7 }));
    expect(e.code).toBe("BAD_REQUEST");
    const issues = (error: TRPCError) => (error.cause as ZodError).issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(issues(e)).toEqual([`temperature: applies to decoding "sample" only (this request's decoding is "mbr")`]);
    expect(issues(await trpcError(marketer.llm.verbalize({ ...verbalizeInput, decoding: "beam" as never })))).toEqual(["decoding: must be one of mbr, greedy, sample"]);
  });

  it("verbalize refuses a KPI label the kind does not have", async () => {
    const e = await trpcError(marketer.llm.verbalize({ ...verbalizeInput, targetKpi: "medium" }));
    expect(e.code).toBe("BAD_REQUEST");
    const stock = await marketer.llm.verbalize({ ...verbalizeInput, brand: undefined, targetKpi: "medium" });
    expect(stock.instruction.startsWith("task stock ; date 2022 nov weekday tue ; kpi medium ;")).toBe(true);
  });

  it("score takes a base64 image (or a data: URL) and returns both rewards", async () => {
    const input = { date: "2021-10-26", prompt: "Fashion: black watch with a gray flower", keywords: ["fashion", "watch"], imageBase64: renderBase64 };
    const result = await marketer.llm.score(input);
    expect(result.detector.choice).toBe("scene");
    expect(Number.isFinite(result.reward.paper) && Number.isFinite(result.reward.calibrated)).toBe(true);
    expect(result.breakdown!.length).toBeGreaterThan(0);
    const viaDataUrl = await marketer.llm.score({ ...input, imageBase64: `data:image/png;base64,${renderBase64}` });
    expect(viaDataUrl.reward.calibrated).toBeCloseTo(result.reward.calibrated, 6);
  });

  it("score refuses an image over the byte limit, non-base64 text and non-image bytes", async () => {
    const tooLarge = await trpcError(marketer.llm.score({ date: "2024-01-01", prompt: "x", keywords: [], imageBase64: "A".repeat(4 * Math.ceil(DEFAULT_MAX_IMAGE_BYTES / 3) + 4) }));
    expect(tooLarge.code).toBe("BAD_REQUEST");
    expect(JSON.stringify(tooLarge.cause)).toMatch(/larger than 10 MB once decoded/);
    const notBase64 = await trpcError(marketer.llm.score({ date: "2024-01-01", prompt: "x", keywords: [], imageBase64: "not base64!" }));
    expect(notBase64.code).toBe("BAD_REQUEST");
    const notImage = await trpcError(marketer.llm.score({ date: "2024-01-01", prompt: "x", keywords: [], imageBase64: Buffer.from("hello world").toString("base64") }));
    expect(notImage.code).toBe("BAD_REQUEST");
    expect(notImage.message).toMatch(/^image: not a PNG or JPEG/);
  });

  it("counts verbalize and score against the user's per-minute share; input the schema refuses costs nothing", async () => {
    process.env.BOIG_MODEL_CALLS_PER_MINUTE = "3";
    resetEnv();
    try {
      const u = await createUser(handle.db, { email: "max@llm.test", password: "password123", role: "marketer" }, null);
      const max = createCaller({ db: handle.db, user: { id: u.id, email: u.email, name: u.name, role: u.role } });
      await max.llm.verbalize(verbalizeInput);
      expect((await trpcError(max.llm.verbalize({ ...verbalizeInput, decoding: "beam" as never }))).code).toBe("BAD_REQUEST");
      await max.llm.score({ ...verbalizeInput, imageBase64: renderBase64 });
      await max.llm.verbalize(verbalizeInput);
      const refused = await trpcError(max.llm.verbalize(verbalizeInput));
      expect(refused.code).toBe("TOO_MANY_REQUESTS");
      expect(refused.message).toContain("at most 3 per minute");
      // Another marketer's share is untouched.
      const v = await createUser(handle.db, { email: "val@llm.test", password: "password123", role: "marketer" }, null);
      const val = createCaller({ db: handle.db, user: { id: v.id, email: v.email, name: v.name, role: v.role } });
      expect((await val.llm.verbalize(verbalizeInput)).canonical).toBeTruthy();
    } finally {
      delete process.env.BOIG_MODEL_CALLS_PER_MINUTE;
      resetEnv();
    }
  });

  it("is for signed-in users only", async () => {
    expect((await trpcError(anonymous.llm.verbalize(verbalizeInput))).code).toBe("UNAUTHORIZED");
    expect((await trpcError(anonymous.llm.score({ date: "2024-01-01", prompt: "x", keywords: [], imageBase64: renderBase64 }))).code).toBe("UNAUTHORIZED");
  });

  it("answers SERVICE_UNAVAILABLE with a clear message when the model is missing", async () => {
    process.env.BOIG_BOIGLLM_DIR = path.join(worldDir, "no-model-here");
    resetEnv();
    try {
      const e = await trpcError(marketer.llm.verbalize(verbalizeInput));
      expect(e.code).toBe("SERVICE_UNAVAILABLE");
      expect(e.message).toMatch(/BoigLLM is not available: no model at .*no-model-here/);
    } finally {
      process.env.BOIG_BOIGLLM_DIR = modelDir;
      resetEnv();
    }
  });
});
