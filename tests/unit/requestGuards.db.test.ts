/**
 * Security review (issue 8, docs/security.md), the request-level guards not covered elsewhere:
 * - CSRF and body size on /api/trpc: only same-site application/json POSTs reach tRPC (a cross-site
 *   form can send urlencoded, multipart or text/plain bodies only), bodies are capped;
 * - path traversal in the file-serving routes (run grids, generation images) and in model
 *   artifacts (a manifest naming ../ or an absolute path, or a listed file that is a symlink out).
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as trpcPost, GET as trpcGet } from "@/app/api/trpc/[trpc]/route";
import type { DbHandle } from "@/server/db/client";
import { generationImages, generations, modelVersions } from "@/server/db/schema";
import { createTestDb, testDbKind } from "@/server/db/testing";
import { toTRPCError } from "@/server/api/trpc";
import { AppError } from "@/server/errors";
import { describeError } from "@/server/rest/httpErrors";
import { guardTrpcRequest, MAX_TRPC_BODY_BYTES } from "@/server/http/trpcGuard";
import { checkArtifactFiles } from "@/server/services/checkArtifactFiles";
import { createUser } from "@/server/services/createUser";
import { readRunGrid } from "@/server/services/getRun";
import { readGenerationImage } from "@/server/services/readGenerationImage";
import { registerModelVersion } from "@/server/services/registerModelVersion";
import { useTempDataDir } from "./tempDataDir";

const URL_BASE = "http://studio.test/api/trpc/admin.users.create";
const post = (headers: Record<string, string>, body: BodyInit | null = JSON.stringify({ email: "x@y.z" })) =>
  new Request(URL_BASE, { method: "POST", headers, body });

async function appError(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected an AppError");
}

describe("/api/trpc request guard: CSRF and body size", () => {
  it.each([
    ["application/x-www-form-urlencoded", "email=evil%40x.test&password=p&role=admin"],
    ["multipart/form-data; boundary=x", '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\nevil@x.test\r\n--x--\r\n'],
    ["text/plain", '{"email":"evil@x.test"}'],
    ["application/octet-stream", "\u0000"],
  ])("refuses a %s POST (what a cross-site form or no-cors fetch can send) with 415, before tRPC", async (contentType, body) => {
    const response = await trpcPost(post({ "content-type": contentType, origin: "https://evil.example" }, body));
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ error: { code: "UNSUPPORTED_MEDIA_TYPE" } });
  });

  it("refuses a POST without a content type", async () => {
    const response = await trpcPost(new Request(URL_BASE, { method: "POST", body: new Uint8Array([123, 125]) }));
    expect(response.status).toBe(415);
  });

  it.each(["https://evil.example", "null", "http://studio.test.evil.example", "not a url"])("refuses a JSON POST from Origin %s with 403", async (origin) => {
    const response = await trpcPost(post({ "content-type": "application/json", origin }));
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: "FORBIDDEN", message: "Cross-site request refused" } });
  });

  it("lets a same-site JSON POST (or one without Origin, from a non-browser client) through with its body intact", async () => {
    const variants: Record<string, string>[] = [{ "content-type": "application/json; charset=utf-8", origin: "http://studio.test" }, { "content-type": "application/json" }];
    for (const headers of variants) {
      const guarded = await guardTrpcRequest(post(headers, JSON.stringify({ 0: { json: { email: "é@x.test" } } })));
      expect("req" in guarded).toBe(true);
      if ("req" in guarded) expect(await guarded.req.json()).toEqual({ 0: { json: { email: "é@x.test" } } });
    }
  });

  it("passes GETs (queries: they change nothing) untouched", async () => {
    const get = new Request("http://studio.test/api/trpc/public.health", { headers: { origin: "https://evil.example" } });
    expect(await guardTrpcRequest(get)).toEqual({ req: get });
    expect(typeof trpcGet).toBe("function");
  });

  it(`refuses bodies over ${Math.round(MAX_TRPC_BODY_BYTES / 1048576)} MB with 413: declared, or streamed without a length`, async () => {
    const declared = await trpcPost(post({ "content-type": "application/json", "content-length": String(MAX_TRPC_BODY_BYTES + 1) }, "{}"));
    expect(declared.status).toBe(413);
    const chunk = new Uint8Array(1024 * 1024).fill(32);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > MAX_TRPC_BODY_BYTES + chunk.length) controller.close();
        else {
          sent += chunk.length;
          controller.enqueue(chunk);
        }
      },
    });
    const streamed = await trpcPost(new Request(URL_BASE, { method: "POST", headers: { "content-type": "application/json" }, body: stream, duplex: "half" } as RequestInit));
    expect(streamed.status).toBe(413);
    expect(sent).toBeLessThan(MAX_TRPC_BODY_BYTES + 3 * chunk.length); // stopped reading at the cap
  });

  it("leaves room for the largest legitimate input: a 10 MB image as base64", () => {
    expect(MAX_TRPC_BODY_BYTES).toBeGreaterThan(Math.ceil((10 * 1024 * 1024 * 4) / 3));
  });
});

describe("errors do not leak internals", () => {
  it("500s answer a generic message over REST and tRPC; the details stay in the server log", () => {
    const leaky = "ENOENT: /srv/boig/data/secret-path, password=hunter2";
    for (const error of [new AppError("INTERNAL", leaky), new AppError("MODEL_INVALID", leaky), new Error(leaky)]) {
      const { status, body } = describeError(error);
      expect(status).toBe(500);
      expect(JSON.stringify(body)).not.toContain("secret-path");
      const trpc = toTRPCError(error);
      expect(trpc.code).toBe("INTERNAL_SERVER_ERROR");
      if (!(error instanceof AppError)) expect(trpc.message).toBe("Internal error");
    }
  });
});

describe(`path traversal in served files and model artifacts (${testDbKind()})`, () => {
  const temp = useTempDataDir("guards");
  let handle: DbHandle;
  let userId: string;
  beforeAll(async () => {
    temp.enter();
    handle = await createTestDb();
    userId = (await createUser(handle.db, { email: "admin@guards.test", password: "password123", role: "admin" }, null)).id;
  });
  afterAll(async () => {
    await handle?.close();
    temp.leave();
  });

  it("run grids: a bad run id or a file name other than epoch-NNN.png is NOT_FOUND, never a path", async () => {
    for (const [id, file] of [
      ["../../../etc", "epoch-001.png"],
      ["not-a-uuid", "epoch-001.png"],
      ["00000000-0000-0000-0000-000000000000", "../../../../etc/passwd"],
      ["00000000-0000-0000-0000-000000000000", "epoch-001.png/../../x.png"],
      ["00000000-0000-0000-0000-000000000000", "epoch-001.png"],
    ])
      expect((await appError(readRunGrid(handle.db, id!, file!))).code).toBe("NOT_FOUND");
  });

  it("generation images: ids are UUIDs (else NOT_FOUND), and a stored path that leaves the data folder is never read", async () => {
    const user = { id: userId, role: "admin" as const };
    expect((await appError(readGenerationImage(handle.db, user, "../../etc/passwd"))).code).toBe("NOT_FOUND");
    const [generation] = await handle.db
      .insert(generations)
      .values({ userId, source: "upload", kind: "social", brand: "acme", postDate: "2024-03-15", prompt: "p", variants: 1, status: "succeeded" })
      .returning();
    const [image] = await handle.db
      .insert(generationImages)
      .values({
        generationId: generation!.id,
        position: 0,
        sha256: "0".repeat(64),
        storedPath: "../../../../etc/passwd",
        format: "png",
        width: 1,
        height: 1,
        canonical: "colors ; tones ; objects",
        verbalization: {},
        rewardPaper: 0,
        rewardCalibrated: 0,
        probabilityHigh: 0,
      })
      .returning();
    const refused = await appError(readGenerationImage(handle.db, user, image!.id));
    expect(refused.code).toBe("INTERNAL");
    expect(refused.message).toMatch(/escapes the data folder/);
  });

  function artifact(name: string, files: Record<string, string | { linkTo: string }>, listed?: Record<string, string>) {
    const dir = path.join(temp.root, "artifacts", name);
    fs.mkdirSync(dir, { recursive: true });
    const entries: Record<string, { sha256: string; bytes: number }> = {};
    for (const [file, content] of Object.entries(files)) {
      const full = path.join(dir, file);
      if (typeof content === "string") fs.writeFileSync(full, content);
      else fs.symlinkSync(content.linkTo, full);
      const bytes = fs.readFileSync(full);
      entries[file] = { sha256: createHash("sha256").update(bytes).digest("hex"), bytes: bytes.length };
    }
    for (const [file, content] of Object.entries(listed ?? {}))
      entries[file] = { sha256: createHash("sha256").update(content).digest("hex"), bytes: Buffer.byteLength(content) };
    const manifest = {
      name: "evil",
      version: "1",
      kind: "boigsd",
      files: entries,
      inputs: [{ name: "x", dtype: "float32", dims: [1] }],
      outputs: [{ name: "y", dtype: "float32", dims: [1] }],
      training: { config: {}, command: "", torch: "" },
      data: { snapshot: "" },
      metrics: {},
    };
    fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest));
    return dir;
  }

  it("model artifacts: a manifest listing ../ or absolute paths, or a file linking out of the folder, is MODEL_INVALID", async () => {
    const secret = path.join(temp.root, "secret.txt");
    fs.writeFileSync(secret, "root:x:0:0\n");
    const relative = path.relative(path.join(temp.root, "artifacts", "dotdot"), secret);
    const cases = [
      [artifact("dotdot", { "model.onnx": "m" }, { [relative]: "root:x:0:0\n" }), /outside the artifact folder/],
      [artifact("absolute", { "model.onnx": "m" }, { [secret]: "root:x:0:0\n" }), /outside the artifact folder/],
      [artifact("nested", { "model.onnx": "m" }, { "sub/../../../secret.txt": "root:x:0:0\n" }), /outside the artifact folder/],
      [artifact("symlink", { "model.onnx": "m", "weights.bin": { linkTo: secret } }), /links outside the artifact folder/],
    ] as const;
    for (const [dir, reason] of cases) {
      const refused = await appError(checkArtifactFiles(dir));
      expect(refused.code, dir).toBe("MODEL_INVALID");
      expect(refused.message).toMatch(reason);
      // …and so nothing is registered (or copied under the data folder) from it.
      expect((await appError(registerModelVersion(handle.db, { role: "boigsd", sourceDir: dir, source: "run" }))).code).toBe("MODEL_INVALID");
    }
    expect(await handle.db.select().from(modelVersions)).toEqual([]);
    expect(fs.existsSync(path.join(temp.dataDir, "models"))).toBe(false);
  });

  it("model artifacts: a file linking inside the folder is fine", async () => {
    const dir = artifact("inside", { "model.onnx": "m" });
    fs.symlinkSync(path.join(dir, "model.onnx"), path.join(dir, "alias.onnx"));
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
    manifest.files["alias.onnx"] = manifest.files["model.onnx"];
    fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest));
    expect((await checkArtifactFiles(dir)).files).toEqual(["alias.onnx", "model.onnx"]);
  });
});
