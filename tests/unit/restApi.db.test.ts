/**
 * The REST API (/api/v1), called through the route files' exported handlers with real Requests
 * against a real database (the process-wide getDb, pointed at a throwaway data folder — or a fresh
 * database on the test server — through the environment, as the app is): API-key auth (401 with
 * a Bearer challenge, never cookies), admin routes (403 for a marketer's key), the status table
 * (400 with fields, 404, 413, 415, 429 with Retry-After), 202 + Location, waiting, images, History
 * pagination and scoring an upload on the tiny BoigLLM.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { GET as listBrandsGET } from "@/app/api/v1/brands/route";
import { GET as listJobsGET } from "@/app/api/v1/admin/jobs/route";
import { GET as listGenerationsGET, POST as createGenerationPOST } from "@/app/api/v1/generations/route";
import { GET as getGenerationGET } from "@/app/api/v1/generations/[id]/route";
import { GET as getImageGET } from "@/app/api/v1/images/[id]/route";
import { POST as scorePOST } from "@/app/api/v1/score/route";
import type { SessionUser } from "@/server/api/trpc";
import { closeDb, getDb, type Db } from "@/server/db/client";
import { datasets, generationImages, generations, jobs, posts } from "@/server/db/schema";
import { createTestDatabaseUrl, testDbKind } from "@/server/db/testing";
import { env, resetEnv } from "@/server/env";
import { createApiKey } from "@/server/services/createApiKey";
import { createUser } from "@/server/services/createUser";
import { revokeApiKey } from "@/server/services/revokeApiKey";
import { takeModelCall } from "@/server/services/throttleModelCalls";
import { useTempDataDir } from "./tempDataDir";

const BASE = "http://boig.test";
const PER_MINUTE = 3;
const TINY_LLM = path.resolve("tests/fixtures/llm/boigllm-tiny");
const PHOTO = path.resolve("tests/fixtures/photos/coffee.jpg");

type Handler<P> = (req: Request, route?: { params: Promise<P> }) => Promise<Response>;

function call<P extends Record<string, string>>(handler: Handler<P>, url: string, init: RequestInit & { key?: string; params?: P } = {}) {
  const { key, params, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (key) headers.set("authorization", `Bearer ${key}`);
  return handler(new Request(`${BASE}${url}`, { ...rest, headers }), params ? { params: Promise.resolve(params) } : undefined);
}

const postJson = (key: string | undefined, body: unknown) =>
  call(createGenerationPOST, "/api/v1/generations", {
    key,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

type ErrorJson = { error: { code: string; message: string; fields?: { path: string; message: string }[]; retryAfterSeconds?: number } };
type GenerationJson = { id: string; userId: string; status: string; createdAt: string; images: { id: string; url: string; rewardCalibrated: number }[] };

const REQUEST = { brand: "fizzwell", date: "2024-03-15", prompt: "Fall sale on the yellow cup", keywords: ["sale"], targetKpi: "high", variants: 2 };
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe(`REST API /api/v1 (${testDbKind()})`, () => {
  const temp = useTempDataDir("rest-api");
  const saved = { ...process.env };
  let dropServerDb: (() => Promise<void>) | undefined;
  let db: Db;
  const users: Record<"mia" | "ola" | "admin" | "busy", SessionUser> = {} as never;
  const keys: Record<"mia" | "ola" | "admin" | "busy", string> = {} as never;

  beforeAll(async () => {
    temp.enter();
    const server = await createTestDatabaseUrl();
    if (server) process.env.DATABASE_URL = server.url;
    else delete process.env.DATABASE_URL;
    dropServerDb = server?.drop;
    process.env.BOIG_GENERATIONS_PER_MINUTE = String(PER_MINUTE);
    process.env.BOIG_BOIGLLM_DIR = TINY_LLM;
    resetEnv();
    db = await getDb();
    for (const [name, role] of [["mia", "marketer"], ["ola", "marketer"], ["admin", "admin"], ["busy", "marketer"]] as const) {
      const u = await createUser(db, { email: `${name}@rest.test`, password: "password123", role }, null);
      users[name] = { id: u.id, email: u.email, name: u.name, role: u.role };
      keys[name] = (await createApiKey(db, u.id, { name: `${name}'s script` })).key;
    }
    // An imported brand: requestGeneration only takes brands that have social posts.
    const [dataset] = await db.insert(datasets).values({ name: "demo/social", kind: "social", sourceDir: "/import/demo" }).returning();
    await db.insert(posts).values({
      datasetId: dataset!.id,
      externalId: "p1",
      account: "fizzwell",
      postedAt: new Date("2023-01-01T00:00:00Z"),
      text: "a post",
      kpi: 3,
      likes: 3,
      contentHash: "p1",
      sourceLine: 1,
    });
  });
  afterAll(async () => {
    await closeDb();
    await dropServerDb?.();
    for (const name of ["DATABASE_URL", "BOIG_GENERATIONS_PER_MINUTE", "BOIG_BOIGLLM_DIR"]) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    temp.leave();
  });

  describe("authentication", () => {
    it("answers 401 with a Bearer challenge without a key", async () => {
      const res = await call(listBrandsGET, "/api/v1/brands");
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="BOIG Studio"$/);
      const body = (await res.json()) as ErrorJson;
      expect(body.error.code).toBe("UNAUTHENTICATED");
      expect(body.error.message).toContain("Authorization: Bearer");
    });

    it("answers 401 invalid_token for an unknown or malformed key", async () => {
      for (const key of [`boig_00000000_${"A".repeat(32)}`, "garbage"]) {
        const res = await call(listBrandsGET, "/api/v1/brands", { key });
        expect(res.status).toBe(401);
        expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
        expect(((await res.json()) as ErrorJson).error).toEqual({ code: "UNAUTHENTICATED", message: "Invalid or revoked API key" });
      }
      // Another scheme is not a key.
      const basic = await call(listBrandsGET, "/api/v1/brands", { headers: { authorization: `Basic ${Buffer.from("mia@rest.test:password123").toString("base64")}` } });
      expect(basic.status).toBe(401);
    });

    it("ignores session cookies: keys only", async () => {
      const res = await call(listBrandsGET, "/api/v1/brands", {
        headers: { cookie: "next-auth.session-token=anything; __Secure-next-auth.session-token=anything" },
      });
      expect(res.status).toBe(401);
    });

    it("accepts the key as Bearer or X-API-Key, and refuses it once revoked", async () => {
      const bearer = await call(listBrandsGET, "/api/v1/brands", { key: keys.mia });
      expect(bearer.status).toBe(200);
      expect(await bearer.json()).toEqual({ items: [{ name: "fizzwell", posts: 1, datasets: ["demo/social"] }] });
      expect((await call(listBrandsGET, "/api/v1/brands", { headers: { "x-api-key": keys.mia } })).status).toBe(200);

      const temporary = await createApiKey(db, users.mia.id, { name: "temporary" });
      expect((await call(listBrandsGET, "/api/v1/brands", { key: temporary.key })).status).toBe(200);
      await revokeApiKey(db, users.mia.id, { id: temporary.id });
      const revoked = await call(listBrandsGET, "/api/v1/brands", { key: temporary.key });
      expect(revoked.status).toBe(401);
      expect(((await revoked.json()) as ErrorJson).error.code).toBe("UNAUTHENTICATED");
    });

    it("keeps admin routes to admins' keys: 403 for a marketer, 200 for an admin", async () => {
      const marketer = await call(listJobsGET, "/api/v1/admin/jobs", { key: keys.mia });
      expect(marketer.status).toBe(403);
      expect(((await marketer.json()) as ErrorJson).error).toEqual({ code: "FORBIDDEN", message: "Admins only: this route needs an admin's API key" });
      expect((await call(listJobsGET, "/api/v1/admin/jobs")).status).toBe(401);
      const admin = await call(listJobsGET, "/api/v1/admin/jobs?status=queued,running&limit=5", { key: keys.admin });
      expect(admin.status).toBe(200);
      expect(await admin.json()).toEqual({ items: expect.any(Array) });
      const bad = await call(listJobsGET, "/api/v1/admin/jobs?status=nope&limit=0", { key: keys.admin });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as ErrorJson).error.fields!.map((f) => f.path).sort()).toEqual(["limit", "status.0"]);
    });
  });

  describe("POST /api/v1/generations", () => {
    it("queues a generation: 202 with Location and the generation, Dates as ISO strings", async () => {
      const res = await postJson(keys.mia, REQUEST);
      expect(res.status).toBe(202);
      const body = (await res.json()) as GenerationJson;
      expect(res.headers.get("location")).toBe(`/api/v1/generations/${body.id}`);
      expect(body).toMatchObject({ userId: users.mia.id, status: "queued", brand: "fizzwell", variants: 2, targetKpi: "high", images: [] });
      expect(body.createdAt).toMatch(ISO);
      const [row] = await db.select().from(generations).where(eq(generations.id, body.id));
      const [job] = await db.select().from(jobs).where(eq(jobs.id, row!.jobId!));
      expect(job).toMatchObject({ kind: "studio.generate", status: "queued" });
    });

    it("answers 400 naming each bad field", async () => {
      const res = await postJson(keys.mia, { ...REQUEST, variants: 9, date: "yesterday" });
      expect(res.status).toBe(400);
      const body = (await res.json()) as ErrorJson;
      expect(body.error.code).toBe("BAD_INPUT");
      expect(body.error.fields).toEqual(
        expect.arrayContaining([
          { path: "variants", message: "must be at most 8" },
          { path: "date", message: expect.stringContaining("is not an ISO 8601 date") },
        ]),
      );
      const unknownBrand = await postJson(keys.mia, { ...REQUEST, brand: "nobody" });
      expect(unknownBrand.status).toBe(400);
      expect(((await unknownBrand.json()) as ErrorJson).error.fields).toEqual([{ path: "brand", message: expect.stringContaining("is not an imported brand") }]);
      const badWait = await postJson(keys.mia, { ...REQUEST, wait: "yes" });
      expect(((await badWait.json()) as ErrorJson).error.fields).toEqual([{ path: "wait", message: "must be true or false" }]);
    });

    it("answers 400 for a body that is not a JSON object", async () => {
      for (const [body, message] of [
        ['{"brand": "fizzwell",', "is not valid JSON"],
        ["", "is empty"],
        ["[1, 2]", "must be a JSON object"],
      ] as const) {
        const res = await postJson(keys.mia, body);
        expect(res.status).toBe(400);
        const error = ((await res.json()) as ErrorJson).error;
        expect(error.code).toBe("BAD_INPUT");
        expect(error.fields![0]).toEqual({ path: "(body)", message: expect.stringContaining(message) });
      }
    });

    it("answers 413 for a body over 15 MB, before parsing it", async () => {
      const res = await postJson(keys.mia, `{"prompt":"${"x".repeat(15 * 1024 * 1024)}"}`);
      expect(res.status).toBe(413);
      expect(((await res.json()) as ErrorJson).error.code).toBe("PAYLOAD_TOO_LARGE");
    });

    it("waits for the generation to finish with wait: true (201 once it has)", async () => {
      const pending = postJson(keys.mia, { ...REQUEST, variants: 1, wait: true });
      // No worker runs in this test: finish the job from outside, as a worker would.
      let generationId: string | undefined;
      for (let i = 0; i < 100 && !generationId; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const rows = await db.select().from(generations).where(eq(generations.variants, 1));
        generationId = rows.find((r) => r.userId === users.mia.id)?.id;
      }
      const [row] = await db.select().from(generations).where(eq(generations.id, generationId!));
      await db.update(jobs).set({ status: "cancelled", error: "Cancelled by the test" }).where(eq(jobs.id, row!.jobId!));
      const res = await pending;
      expect(res.status).toBe(201);
      expect(res.headers.get("location")).toBe(`/api/v1/generations/${generationId}`);
      expect(await res.json()).toMatchObject({ id: generationId, status: "cancelled", error: "Cancelled by the test" });
    });

    it("answers 429 with Retry-After past the per-minute limit", async () => {
      for (let i = 0; i < PER_MINUTE; i++) expect((await postJson(keys.busy, REQUEST)).status).toBe(202);
      const res = await postJson(keys.busy, REQUEST);
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toBe("60");
      const error = ((await res.json()) as ErrorJson).error;
      expect(error).toMatchObject({ code: "RATE_LIMITED", retryAfterSeconds: 60 });
      expect(error.message).toContain(`at most ${PER_MINUTE} per minute`);
    });
  });

  describe("GET /api/v1/generations[/:id] and /api/v1/images/:id", () => {
    let generationId: string;
    let imageId: string;
    const png = (() => {
      const image = new PNG({ width: 4, height: 4 });
      image.data.fill(200);
      return PNG.sync.write(image);
    })();

    beforeAll(async () => {
      const [row] = await db.select().from(generations).where(eq(generations.userId, users.mia.id)).limit(1);
      generationId = row!.id;
      // A saved variant, as runGeneration stores one: the file under the data folder, the row pointing at it.
      const sha256 = createHash("sha256").update(png).digest("hex");
      const storedPath = path.join("images", sha256.slice(0, 2), `${sha256}.png`);
      fs.mkdirSync(path.join(temp.dataDir, path.dirname(storedPath)), { recursive: true });
      fs.writeFileSync(path.join(temp.dataDir, storedPath), png);
      const [image] = await db
        .insert(generationImages)
        .values({
          generationId,
          position: 0,
          seed: 7,
          sha256,
          storedPath,
          format: "png",
          width: 64,
          height: 64,
          canonical: "colors red",
          verbalization: {},
          rewardPaper: -1.5,
          rewardCalibrated: 0.25,
          probabilityHigh: 0.56,
        })
        .returning();
      imageId = image!.id;
    });

    it("shows a generation to its owner and admins, 404 to anyone else", async () => {
      const own = await call(getGenerationGET, `/api/v1/generations/${generationId}`, { key: keys.mia, params: { id: generationId } });
      expect(own.status).toBe(200);
      const body = (await own.json()) as GenerationJson;
      expect(body.id).toBe(generationId);
      expect(body.images).toEqual([expect.objectContaining({ id: imageId, rewardCalibrated: 0.25, url: `/api/v1/images/${imageId}` })]);
      expect(body.images[0]).not.toHaveProperty("storedPath");

      expect((await call(getGenerationGET, "", { key: keys.admin, params: { id: generationId } })).status).toBe(200);
      const other = await call(getGenerationGET, "", { key: keys.ola, params: { id: generationId } });
      expect(other.status).toBe(404);
      expect(((await other.json()) as ErrorJson).error).toEqual({ code: "NOT_FOUND", message: "Generation not found" });
      expect((await call(getGenerationGET, "", { key: keys.mia, params: { id: "not-a-uuid" } })).status).toBe(404);
      expect((await call(getGenerationGET, "", { params: { id: generationId } })).status).toBe(401);
    });

    it("serves the image bytes to its owner, cached privately, and 404 to anyone else", async () => {
      const res = await call(getImageGET, "", { key: keys.mia, params: { id: imageId } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/png");
      expect(res.headers.get("cache-control")).toBe("private, max-age=31536000, immutable");
      expect(Buffer.from(await res.arrayBuffer()).equals(png)).toBe(true);
      const etag = res.headers.get("etag")!;
      expect((await call(getImageGET, "", { key: keys.mia, params: { id: imageId }, headers: { "if-none-match": etag } })).status).toBe(304);
      expect((await call(getImageGET, "", { key: keys.admin, params: { id: imageId } })).status).toBe(200);
      expect((await call(getImageGET, "", { key: keys.ola, params: { id: imageId } })).status).toBe(404);
      expect((await call(getImageGET, "", { key: keys.mia, params: { id: "../../etc/passwd" } })).status).toBe(404);
    });

    it("lists the key owner's History newest first, a page at a time", async () => {
      const all = (await (await call(listGenerationsGET, "/api/v1/generations", { key: keys.mia })).json()) as { items: GenerationJson[]; nextCursor: string | null };
      expect(all.items.length).toBe(2);
      expect(all.items.every((g) => g.userId === users.mia.id)).toBe(true);
      expect(all.nextCursor).toBeNull();
      const first = (await (await call(listGenerationsGET, "/api/v1/generations?limit=1&brand=fizzwell", { key: keys.mia })).json()) as typeof all;
      expect(first.items.map((g) => g.id)).toEqual([all.items[0]!.id]);
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = (await (await call(listGenerationsGET, `/api/v1/generations?limit=1&cursor=${first.nextCursor}`, { key: keys.mia })).json()) as typeof all;
      expect(second.items.map((g) => g.id)).toEqual([all.items[1]!.id]);
      const withImage = all.items.find((g) => g.id === generationId)!;
      expect(withImage.images.map((i) => i.url)).toEqual([`/api/v1/images/${imageId}`]);

      const bad = await call(listGenerationsGET, "/api/v1/generations?limit=0&cursor=nonsense", { key: keys.mia });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as ErrorJson).error.fields!.map((f) => f.path)).toEqual(["limit"]);
      const badCursor = await call(listGenerationsGET, "/api/v1/generations?cursor=nonsense", { key: keys.mia });
      expect(((await badCursor.json()) as ErrorJson).error.fields).toEqual([{ path: "cursor", message: "is not a cursor from a previous page's nextCursor" }]);
      // Everyone's, for admins only.
      const everyone = (await (await call(listGenerationsGET, "/api/v1/generations?everyone=true&limit=100", { key: keys.admin })).json()) as typeof all;
      expect(new Set(everyone.items.map((g) => g.userId))).toEqual(new Set([users.mia.id, users.busy.id]));
      const marketerEveryone = (await (await call(listGenerationsGET, "/api/v1/generations?everyone=true", { key: keys.ola })).json()) as typeof all;
      expect(marketerEveryone.items).toEqual([]);
    });
  });

  describe("POST /api/v1/score", () => {
    const form = (fields: Record<string, string>, image?: Blob, fileName = "coffee.jpg") => {
      const body = new FormData();
      for (const [k, v] of Object.entries(fields)) body.set(k, v);
      if (image) body.set("image", image, fileName);
      return body;
    };
    const fields = { brand: "fizzwell", date: "2023-03-15", prompt: "Morning coffee, brewed fresh", keywords: "coffee, cup ,morning", detector: "none" };

    it("scores an uploaded image on BoigLLM and saves it to History: 201", async () => {
      const photo = new Blob([fs.readFileSync(PHOTO)], { type: "image/jpeg" });
      const res = await call(scorePOST, "/api/v1/score", { key: keys.ola, method: "POST", body: form(fields, photo) });
      const body = (await res.json()) as GenerationJson & { source: string; keywords: string[]; images: { fileName: string; rewardPaper: number; probabilityHigh: number }[] };
      expect(res.status, JSON.stringify(body)).toBe(201);
      expect(res.headers.get("location")).toBe(`/api/v1/generations/${body.id}`);
      expect(body).toMatchObject({ source: "upload", status: "succeeded", userId: users.ola.id, keywords: ["coffee", "cup", "morning"] });
      expect(body.images).toHaveLength(1);
      expect(body.images[0]).toMatchObject({ fileName: "coffee.jpg", url: `/api/v1/images/${body.images[0]!.id}` });
      expect(typeof body.images[0]!.rewardCalibrated).toBe("number");
      const image = await call(getImageGET, "", { key: keys.ola, params: { id: body.images[0]!.id } });
      expect(image.headers.get("content-type")).toBe("image/jpeg");
    });

    it("answers 429 with Retry-After once the user's per-minute share of scoring calls is used", async () => {
      // The share is the app's (BOIG_MODEL_CALLS_PER_MINUTE, default 60) and shared with the UI's tRPC calls: use it up directly.
      for (let i = 0; i < env().BOIG_MODEL_CALLS_PER_MINUTE; i++) takeModelCall(users.busy.id);
      const photo = new Blob([fs.readFileSync(PHOTO)], { type: "image/jpeg" });
      const res = await call(scorePOST, "/api/v1/score", { key: keys.busy, method: "POST", body: form(fields, photo) });
      expect(res.status).toBe(429);
      const retryAfter = Number(res.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      const error = ((await res.json()) as ErrorJson).error;
      expect(error).toMatchObject({ code: "RATE_LIMITED", retryAfterSeconds: retryAfter });
      expect(error.message).toContain(`at most ${env().BOIG_MODEL_CALLS_PER_MINUTE} per minute`);
    });

    it("names the missing fields, refuses non-multipart bodies (415) and oversized ones (413)", async () => {
      const missing = await call(scorePOST, "/api/v1/score", { key: keys.ola, method: "POST", body: form({ brand: "fizzwell" }) });
      expect(missing.status).toBe(400);
      expect(((await missing.json()) as ErrorJson).error.fields!.map((f) => f.path).sort()).toEqual(["date", "image", "prompt"]);
      const asJson = await call(scorePOST, "/api/v1/score", { key: keys.ola, method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      expect(asJson.status).toBe(415);
      const huge = new Blob([new Uint8Array(15 * 1024 * 1024 + 1)], { type: "image/jpeg" });
      const tooLarge = await call(scorePOST, "/api/v1/score", { key: keys.ola, method: "POST", body: form(fields, huge) });
      expect(tooLarge.status).toBe(413);
      const notAnImage = await call(scorePOST, "/api/v1/score", { key: keys.ola, method: "POST", body: form(fields, new Blob(["hello"]), "notes.txt") });
      expect(notAnImage.status).toBe(400);
      expect(((await notAnImage.json()) as ErrorJson).error.message).toContain("not a PNG or JPEG");
    });
  });
});
