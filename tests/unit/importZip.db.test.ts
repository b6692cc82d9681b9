/**
 * Admin → Data's ZIP import, through the route files' exported handlers with real multipart
 * Requests against a real database (the process-wide getDb on a throwaway data folder): a tiny
 * world zipped with one bad row uploads, imports as a `data.import` job on a real worker, and its
 * report (tRPC and the CSV download) names the bad row by line and column. Refused: no session
 * (401), a marketer (403), a cross-site request (403), zip-slip and symlink entries, zip bombs and
 * forged sizes (400, nothing written outside the uploads folder), a non-ZIP (400), over the limit (413).
 *
 * The session is the one thing faked: next-auth reads it from Next's request context, which a
 * plain Request lacks, so getSessionUser is mocked to return the user a test picks.
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { zipSync, type Zippable } from "fflate";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { POST as uploadPOST } from "@/app/api/admin/imports/route";
import { GET as errorsCsvGET } from "@/app/api/admin/imports/[reportId]/errors.csv/route";
import { appRouter } from "@/server/api/root";
import { createCallerFactory, type SessionUser } from "@/server/api/trpc";
import { closeDb, getDb, type Db } from "@/server/db/client";
import { auditLog, datasets, posts } from "@/server/db/schema";
import { createTestDatabaseUrl, testDbKind } from "@/server/db/testing";
import { resetEnv } from "@/server/env";
import { AppError } from "@/server/errors";
import { dataImportHandler } from "@/server/jobs/handlers/dataImport";
import { startWorker } from "@/server/jobs/worker";
import { createUser } from "@/server/services/createUser";
import { getJob } from "@/server/services/getJob";
import { generateWorld } from "@/server/world/generateWorld";
import { useTempDataDir } from "./tempDataDir";
import { pollUntil } from "./pollUntil";

const session = vi.hoisted(() => ({ user: null as SessionUser | null }));
vi.mock("@/server/auth/currentUser", () => ({ getSessionUser: async () => session.user }));

const BASE = "http://boig.test";
type ErrorJson = { error: { code: string; message: string; fields?: { path: string; message: string }[] } };

function upload(parts: { zip?: Uint8Array | string; fileName?: string; name?: string }, headers: Record<string, string> = { "x-boig-csrf": "1" }) {
  const form = new FormData();
  if (parts.zip !== undefined) form.append("file", new Blob([parts.zip as BlobPart], { type: "application/zip" }), parts.fileName ?? "upload.zip");
  if (parts.name) form.append("name", parts.name);
  return uploadPOST(new Request(`${BASE}/api/admin/imports`, { method: "POST", body: form, headers }));
}

const downloadCsv = (reportId: string) =>
  errorsCsvGET(new Request(`${BASE}/api/admin/imports/${reportId}/errors.csv`), { params: Promise.resolve({ reportId }) });

/** Every file under `dir`, keyed `prefix/relative/path`, for fflate's zipSync. */
function filesOf(dir: string, prefix: string): Zippable {
  const out: Zippable = {};
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    out[`${prefix}/${path.relative(dir, full).split(path.sep).join("/")}`] = new Uint8Array(fs.readFileSync(full));
  }
  return out;
}

/** Everything under a folder, as relative paths (to prove that nothing appeared). */
const listTree = (dir: string) => (fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).sort() : []);

const waitFor = <T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 90_000) => pollUntil(probe, ok, timeoutMs);

describe(`import ZIP upload → job → report (${testDbKind()})`, () => {
  const temp = useTempDataDir("import-zip");
  const saved = { ...process.env };
  let dropServerDb: (() => Promise<void>) | undefined;
  let db: Db;
  let worker: ReturnType<typeof startWorker> | undefined;
  let admin: SessionUser;
  let marketer: SessionUser;
  let worldZip: Uint8Array;
  let badLine = 0;
  let goodRows = 0;
  const uploads = () => path.join(temp.dataDir, "uploads");

  beforeAll(async () => {
    temp.enter();
    const server = await createTestDatabaseUrl();
    if (server) process.env.DATABASE_URL = server.url;
    else delete process.env.DATABASE_URL;
    dropServerDb = server?.drop;
    resetEnv();
    db = await getDb();
    for (const role of ["admin", "marketer"] as const) {
      const u = await createUser(db, { email: `${role}@zip.test`, password: "password123", role }, null);
      const user = { id: u.id, email: u.email, name: u.name, role: u.role };
      if (role === "admin") admin = user;
      else marketer = user;
    }
    const worldDir = path.join(temp.root, "world");
    await generateWorld({ seed: 5, brands: 2, postsPerBrand: 5, stockAssets: 5, size: 32, outDir: worldDir });
    // One bad row at the end of the social file: a date that is not ISO 8601.
    const csvPath = path.join(worldDir, "social", "posts.csv");
    const csv = fs.readFileSync(csvPath, "utf8").replace(/\n*$/, "\n");
    badLine = csv.split("\n").length; // header is line 1; the appended row starts after the last line
    goodRows = csv.match(/^p\d+,/gm)!.length; // a quoted text can span two lines: count records, not lines
    fs.writeFileSync(csvPath, `${csv}bad-1,acme,yesterday,A bad date,,5,media/nothing.png\n`);
    worldZip = zipSync(filesOf(worldDir, "world"));
  });
  afterAll(async () => {
    await worker?.stop();
    await closeDb();
    await dropServerDb?.();
    for (const name of ["DATABASE_URL", "BOIG_MAX_IMPORT_MB"]) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    temp.leave();
  });

  it("answers 401 without a session and 403 to a marketer, writing nothing", async () => {
    session.user = null;
    const anonymous = await upload({ zip: worldZip });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as ErrorJson).error.code).toBe("UNAUTHENTICATED");
    session.user = marketer;
    const asMarketer = await upload({ zip: worldZip });
    expect(asMarketer.status).toBe(403);
    expect(((await asMarketer.json()) as ErrorJson).error.code).toBe("FORBIDDEN");
    expect((await downloadCsv("00000000-0000-4000-8000-000000000000")).status).toBe(403);
    expect(listTree(uploads())).toEqual([]);
  });

  it("refuses a cross-site request: no CSRF header and a foreign Origin", async () => {
    session.user = admin;
    const foreign = await upload({ zip: worldZip }, { origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as ErrorJson).error.message).toMatch(/x-boig-csrf/);
    expect((await upload({ zip: worldZip }, {})).status).toBe(403);
    // Our own Origin is enough (checked with a body that then fails for its own reason).
    expect((await upload({ zip: "not a zip" }, { origin: BASE })).status).toBe(400);
    expect(listTree(uploads())).toEqual([]);
  });

  it("uploads a world ZIP, imports it as a job, and reports the bad row by line and column", async () => {
    session.user = admin;
    const res = await upload({ zip: worldZip, fileName: "world.zip" });
    const body = (await res.json()) as { jobId: string; dir: string; name: string };
    expect(res.status, JSON.stringify(body)).toBe(201);
    // The single top-level folder is the import root, and its name the dataset's.
    expect(body.dir.startsWith(uploads() + path.sep)).toBe(true);
    expect(path.basename(body.dir)).toBe("world");
    expect(body.name).toBe("world");
    expect(fs.existsSync(path.join(body.dir, "social", "posts.csv"))).toBe(true);

    worker = startWorker(db, { handlers: { "data.import": dataImportHandler as never }, staleSeconds: 30, exclusive: false, pollMs: 100, heartbeatMs: 300 });
    const caller = createCallerFactory(appRouter)({ db, user: admin });
    const seen = await caller.admin.data.importJob({ jobId: body.jobId });
    expect(seen.source).toEqual({ type: "upload", fileName: "world.zip", bytes: worldZip.length });
    const done = await waitFor(() => getJob(db, body.jobId), (j) => ["succeeded", "failed", "cancelled"].includes(j.status));
    expect(done.status, done.error ?? "").toBe("succeeded");

    const names = (await db.select().from(datasets)).map((d) => d.name).sort();
    expect(names).toEqual(["world/social", "world/stock"]);
    const [social] = await db.select().from(datasets).where(eq(datasets.name, "world/social"));
    const socialPosts = await db.select().from(posts).where(eq(posts.datasetId, social!.id));
    expect(socialPosts.length).toBe(goodRows);

    const [imported] = await caller.admin.data.imports({});
    expect(imported).toMatchObject({ jobId: body.jobId, status: "succeeded", progress: 1, name: "world" });
    expect(imported!.verbalized?.images).toBeGreaterThan(0);
    expect(imported!.reports.map((r) => [r.dataset, r.file, r.rejected])).toEqual([
      ["world/social", "social/posts.csv", 1],
      ["world/stock", "stock/posts.csv", 0],
    ]);
    const socialReport = imported!.reports[0]!;
    expect(socialReport.inserted).toBe(socialPosts.length);
    expect(socialReport.errors).toEqual([{ line: badLine, column: "posted_at", reason: expect.stringMatching(/ISO 8601/) }]);
    expect(Object.values(socialReport.buckets).reduce((s, n) => s + n, 0)).toBe(socialPosts.length);

    const full = await caller.admin.data.report({ reportId: socialReport.id });
    expect(full.errors).toEqual(socialReport.errors);

    const csv = await downloadCsv(socialReport.id);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(csv.headers.get("content-disposition")).toMatch(/^attachment; filename="import-errors-world-social-[0-9a-f]{8}\.csv"$/);
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe("line,column,reason");
    expect(lines[1]).toMatch(new RegExp(`^${badLine},posted_at,.*ISO 8601`));
    expect(lines).toHaveLength(2);
    expect((await downloadCsv("00000000-0000-4000-8000-000000000000")).status).toBe(404);

    const listed = await caller.data.datasets();
    const row = listed.find((d) => d.name === "world/social")!;
    expect(row.splits.train! + (row.splits.test ?? 0)).toBe(socialPosts.length);
    expect(row.createdAt).toBeInstanceOf(Date);
    expect(Number.isNaN(row.createdAt.getTime())).toBe(false);

    const actions = (await db.select().from(auditLog)).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["data.upload", "data.import", "data.report.download"]));
  }, 180_000);

  it.each([
    ["../evil.txt", /points outside the archive/],
    ["/abs.txt", /absolute path/],
    ["world\\..\\evil.txt", /backslashes/],
    ["world/../../evil.txt", /points outside the archive/],
  ])("refuses the zip-slip entry %s with a 400 and writes nothing", async (name, reason) => {
    session.user = admin;
    // The uploads folder in full, and what sits beside it (the database's own files change meanwhile).
    const snapshot = () => [listTree(uploads()), fs.readdirSync(temp.root).sort(), fs.readdirSync(temp.dataDir).sort()];
    const before = snapshot();
    const zip = zipSync({ "world/posts.csv": new TextEncoder().encode("post_id\n"), [name]: new TextEncoder().encode("pwned") });
    const res = await upload({ zip });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as ErrorJson;
    expect(error.code).toBe("BAD_INPUT");
    expect(error.message).toContain(`"${name}"`);
    expect(error.message).toMatch(reason);
    expect(error.fields).toEqual([{ path: "file", message: expect.stringContaining(name) }]);
    expect(snapshot()).toEqual(before);
    expect(fs.existsSync(path.join(temp.dataDir, "evil.txt")) || fs.existsSync("/abs.txt")).toBe(false);
  });

  it("refuses a symlink entry", async () => {
    session.user = admin;
    const before = listTree(uploads());
    const link: Zippable = { "world/posts.csv": new TextEncoder().encode("post_id\n"), "world/media": [new TextEncoder().encode("/etc"), { os: 3, attrs: (0o120777 << 16) >>> 0 }] };
    const res = await upload({ zip: zipSync(link) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorJson).error.message).toMatch(/"world\/media" is a symbolic link/);
    expect(listTree(uploads())).toEqual(before);
  });

  it("refuses a non-ZIP file (400) and a non-multipart body (415)", async () => {
    session.user = admin;
    const res = await upload({ zip: "post_id,account\n1,acme\n", fileName: "posts.csv" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorJson).error).toMatchObject({ code: "BAD_INPUT", fields: [{ path: "file", message: expect.stringMatching(/is not a ZIP archive/) }] });
    const missing = await upload({});
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as ErrorJson).error.fields).toEqual([{ path: "file", message: "is required: choose a .zip file" }]);
    const raw = await uploadPOST(new Request(`${BASE}/api/admin/imports`, { method: "POST", body: worldZip as BlobPart, headers: { "x-boig-csrf": "1", "content-type": "application/zip" } }));
    expect(raw.status).toBe(415);
  });

  it("refuses a ZIP without posts.csv, removing what it unpacked", async () => {
    session.user = admin;
    const before = listTree(uploads());
    const res = await upload({ zip: zipSync({ "notes/readme.txt": new TextEncoder().encode("hello") }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorJson).error.message).toMatch(/holds no posts\.csv or posts\.jsonl/);
    expect(listTree(uploads())).toEqual(before);
  });

  describe("with a 1 MB upload limit", () => {
    beforeAll(() => {
      process.env.BOIG_MAX_IMPORT_MB = "1";
      resetEnv();
    });
    afterAll(() => {
      delete process.env.BOIG_MAX_IMPORT_MB;
      resetEnv();
    });

    it("answers 413 to a larger upload", async () => {
      session.user = admin;
      const zip = zipSync({ "world/posts.csv": [new Uint8Array(randomBytes(2 * 1024 * 1024)), { level: 0 }] });
      const res = await upload({ zip });
      expect(res.status).toBe(413);
      expect(((await res.json()) as ErrorJson).error.message).toMatch(/1 MB upload limit \(BOIG_MAX_IMPORT_MB\)/);
    });

    it("refuses a zip bomb: files totalling over 4× the limit", async () => {
      session.user = admin;
      const before = listTree(uploads());
      const zip = zipSync({ "world/posts.csv": new Uint8Array(5 * 1024 * 1024) });
      expect(zip.length).toBeLessThan(100_000);
      const res = await upload({ zip });
      expect(res.status).toBe(400);
      expect(((await res.json()) as ErrorJson).error.message).toMatch(/expands to more than 4 MB \(4× the upload limit\)/);
      expect(listTree(uploads())).toEqual(before);
    });

    it("stops an entry that inflates past the size it declares", async () => {
      session.user = admin;
      const before = listTree(uploads());
      const zip = zipSync({ "world/posts.csv": new Uint8Array(3 * 1024 * 1024) });
      // Forge the central directory's uncompressed size (offset 24 of the only entry) to 1 KB.
      const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
      const centralDirectory = view.getUint32(zip.length - 22 + 16, true);
      view.setUint32(centralDirectory + 24, 1024, true);
      const res = await upload({ zip });
      expect(res.status).toBe(400);
      expect(((await res.json()) as ErrorJson).error.message).toMatch(/does not match its declared size/);
      expect(listTree(uploads())).toEqual(before);
    });
  });

  it("checks a server folder up front, with the error on the dir field", async () => {
    const caller = createCallerFactory(appRouter)({ db, user: admin });
    const fieldOf = async (dir: string) => {
      try {
        await caller.admin.data.importFolder({ dir });
      } catch (err) {
        return ((err as { cause?: AppError }).cause?.details?.fields as { path: string; message: string }[])[0];
      }
      throw new Error("expected a BAD_INPUT");
    };
    expect(await fieldOf(path.join(temp.root, "nope"))).toEqual({ path: "dir", message: `${path.join(temp.root, "nope")} does not exist on the server` });
    expect(await fieldOf(path.join(temp.root, "world", "world.json"))).toEqual({ path: "dir", message: expect.stringMatching(/is a file, not a folder$/) });
    expect(await fieldOf("relative/path")).toEqual({ path: "dir", message: "use an absolute path on the server" });
    expect((await fieldOf(temp.dataDir))?.message).toMatch(/No posts\.csv or posts\.jsonl/);
  });
});
