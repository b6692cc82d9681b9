/**
 * Bad-input campaign (issue 8), every tRPC input: each procedure of appRouter (enumerated from the
 * router, as the role matrix does, so new ones are fuzzed without edits) is called as an admin on a
 * real database with generated inputs of two kinds:
 *   - guided: built from the procedure's own zod schema, field by field, mostly valid values
 *     (existing ids, a real brand and folder, good dates) with bad ones mixed in (NUL bytes,
 *     50 KB strings, NaN, negative and huge numbers, wrong types, missing keys), so the calls get
 *     past validation into the services and the database;
 *   - anything: fc.anything() with Dates, Maps, Sets, BigInts, typed arrays, null-prototype and
 *     sparse values — what superjson lets an HTTP client send.
 * The contract: success, or a TRPCError whose code says the caller's mistake or a dependency's state
 * (BAD_REQUEST, NOT_FOUND, CONFLICT, TOO_MANY_REQUESTS, SERVICE_UNAVAILABLE, UNAUTHORIZED,
 * FORBIDDEN). INTERNAL_SERVER_ERROR is a bug: the failure names the procedure, the input and the cause.
 * A BAD_REQUEST must say what is wrong: fields with a path and message, or a message of its own.
 *
 * No procedure is skipped. What would be expensive for a valid input is kept cheap instead: no job
 * worker runs (launchTrainerRun, importFolder, evals.launch and studio.generate only queue jobs),
 * the BoigLLM / BoigSD folders point at nothing (verbalize / score / compare answer
 * SERVICE_UNAVAILABLE after validating), the registry holds no version to verify, and passwords are
 * hashed with a stand-in (bcrypt's parameters are covered by tests/unit/authSecurity.test.ts).
 */
import fs from "node:fs";
import path from "node:path";
import util from "node:util";
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { appRouter } from "@/server/api/root";
import { createCallerFactory, type SessionUser } from "@/server/api/trpc";
import { closeDb, type DbHandle } from "@/server/db/client";
import { createTestDb, testDbKind } from "@/server/db/testing";
import { resetEnv } from "@/server/env";
import { createApiKey } from "@/server/services/createApiKey";
import { createUser } from "@/server/services/createUser";
import { importFolder } from "@/server/services/importFolder";
import { launchTrainerRun } from "@/server/services/launchTrainerRun";
import { requestGeneration } from "@/server/services/requestGeneration";
import { encodePng } from "@/server/verbalize/decodeImage";
import { fuzzRuns } from "./fuzzRuns";
import { useTempDataDir } from "./tempDataDir";

// bcrypt at cost 11 is ~150 ms a hash: hundreds of generated valid users would take minutes. The
// hashing itself is not what is fuzzed here (its parameters: tests/unit/authSecurity.test.ts).
vi.mock("@/server/auth/password", () => ({
  hashPassword: async (plain: string) => `fake$${plain.length}`,
  verifyPassword: async () => false,
}));

type AnyProcedure = { _def: { type: string; inputs: unknown[] } };
const procedures = Object.entries((appRouter._def as unknown as { procedures: Record<string, AnyProcedure> }).procedures).sort(([a], [b]) => a.localeCompare(b));

const ALLOWED = new Set(["BAD_REQUEST", "NOT_FOUND", "CONFLICT", "TOO_MANY_REQUESTS", "SERVICE_UNAVAILABLE", "UNAUTHORIZED", "FORBIDDEN"]);
/** Per procedure; the total over all procedures is checked to reach fuzzRuns() too. */
const RUNS_PER_PROCEDURE = Math.max(24, Math.ceil(fuzzRuns() / procedures.length));

// ---------------------------------------------------------------------------------------------
// Values: interesting strings by field name, and a walk over zod 4 schemas.

const state = {
  ids: [] as string[],
  importDir: "",
};

const NASTY_STRINGS = ["", " ", "\u0000", "a\u0000b", "x".repeat(50_000), "../../etc/passwd", "/etc/passwd", "C:\\Windows", "null", "undefined", "__proto__", "constructor", "💥", "\ud800", "'; drop table users; --", "%00", "\n\r\t", "=cmd|' /C calc'!A0"];
/** Per field name: values a real client sends (mostly), and wrong ones of the same shape. */
const STRING_HINTS: Record<string, () => { good: string[]; bad: string[] }> = {
  brand: () => ({ good: ["acme"], bad: ["stock", "nobody", "ACME", " acme "] }),
  date: () => ({ good: ["2024-03-15", "2024-03-15T10:00:00Z", "2023-12-31 23:59"], bad: ["2024-02-30", "yesterday", "0000-01-01", "9999-12-31T23:59:59-14:00"] }),
  email: () => ({ good: ["new@fuzz.test", "Other@Fuzz.Test"], bad: ["not-an-email", "a@b", `x${"y".repeat(300)}@fuzz.test`] }),
  password: () => ({ good: ["password123"], bad: ["short", "p".repeat(201)] }),
  name: () => ({ good: ["A name", "fuzz-dataset"], bad: [] }),
  dir: () => ({ good: [state.importDir], bad: ["/", "/nonexistent", "relative/path", state.importDir + "/../.."] }),
  data: () => ({ good: [state.importDir], bad: ["models/artifacts/boigllm", "/nonexistent", "../../.."] }),
  world: () => ({ good: [state.importDir], bad: ["/nonexistent"] }),
  init: () => ({ good: ["models/artifacts/boigsd"], bad: ["/etc/passwd"] }),
  boigllm: () => ({ good: ["models/artifacts/boigllm"], bad: ["../../etc", randomUUID()] }),
  prompt: () => ({ good: ["Fall sale: the yellow cup", "Morning coffee ☕"], bad: ["", "p".repeat(5001)] }),
  imageBase64: () => ({
    good: [Buffer.from(encodePng(new Uint8Array(16 * 16 * 4).fill(200), 16, 16)).toString("base64")],
    bad: ["data:image/png;base64,AAAA", "not base64!", "QUFB"],
  }),
  fileName: () => ({ good: ["photo.png"], bad: ["../../x.png", "f".repeat(300)] }),
};

const uuidArb = () =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...(state.ids.length ? state.ids : [randomUUID()])) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom("00000000-0000-0000-0000-000000000000", "not-a-uuid", "' or 1=1 --", "") },
  );

type Check = { _zod: { def: { check?: string; format?: string; value?: unknown; inclusive?: boolean; minimum?: number; maximum?: number } } };
/** The bounds a zod 4 schema's checks put on a number or a string length. */
function boundsOf(checks: Check[] | undefined, low: number, high: number) {
  let [min, max] = [low, high];
  for (const { _zod } of checks ?? []) {
    const d = _zod.def;
    if (d.check === "greater_than" && typeof d.value === "number") min = Math.max(min, d.inclusive ? d.value : d.value + 1);
    if (d.check === "less_than" && typeof d.value === "number") max = Math.min(max, d.inclusive ? d.value : d.value - 1);
    if (d.check === "min_length" && typeof d.minimum === "number") min = Math.max(min, d.minimum);
    if (d.check === "max_length" && typeof d.maximum === "number") max = Math.min(max, d.maximum);
  }
  return { min: Math.ceil(min), max: Math.max(Math.ceil(min), Math.floor(max)) };
}

function stringArb(key: string | undefined, def: ZodDef): fc.Arbitrary<string> {
  const formats = [def.format ?? "", ...(def.checks ?? []).map((c) => c._zod.def.format ?? "")];
  if (formats.includes("uuid") || /(^id$|Id$)/.test(key ?? "")) return uuidArb();
  const { min, max } = boundsOf(def.checks, 0, 40);
  const hint = key ? STRING_HINTS[key]?.() : undefined;
  const hinted = hint
    ? [{ weight: 24, arbitrary: fc.constantFrom(...hint.good) }, ...(hint.bad.length ? [{ weight: 4, arbitrary: fc.constantFrom(...hint.bad) }] : [])]
    : [];
  return fc.oneof(
    ...hinted,
    { weight: hint ? 4 : 12, arbitrary: fc.string({ minLength: min, maxLength: Math.min(max, 40) }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
    { weight: 2, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  );
}

function numberArb(def: ZodDef): fc.Arbitrary<number> {
  const { min, max } = boundsOf(def.checks, -1e6, 1e6);
  return fc.oneof(
    { weight: 16, arbitrary: fc.integer({ min, max: Math.min(max, min + 100) }) },
    { weight: 1, arbitrary: fc.constantFrom(min - 1, max + 1, 0.5, -1, 2 ** 31, 2 ** 53, 1e308, Number.NaN, Infinity, -Infinity, -0) },
    { weight: 1, arbitrary: fc.double() },
  );
}

const junkArb = fc.oneof(
  fc.constantFrom(undefined, null, true, false, 0, Number.NaN, "", [], {}, new Date(Number.NaN), BigInt(7)),
  fc.string({ maxLength: 10 }),
  fc.array(fc.integer(), { maxLength: 3 }),
);

type ZodDef = {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  in?: unknown;
  out?: unknown;
  options?: unknown[];
  left?: unknown;
  right?: unknown;
  element?: unknown;
  entries?: Record<string, string>;
  values?: unknown[];
  valueType?: unknown;
  format?: string;
  checks?: Check[];
};
const defOf = (schema: unknown) => (schema as { _zod: { def: ZodDef } })._zod.def;

/** Mostly-valid values for a zod schema, with wrong ones mixed in at every level. */
function guided(schema: unknown, key?: string, depth = 0): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  const mixed = (arb: fc.Arbitrary<unknown>) => fc.oneof({ weight: 40, arbitrary: arb }, { weight: 1, arbitrary: junkArb });
  if (depth > 6) return junkArb;
  switch (def.type) {
    case "object": {
      const shape = Object.fromEntries(Object.entries(def.shape!).map(([k, s]) => [k, guided(s, k, depth + 1)]));
      // Sometimes a key is missing, or an unknown one is added.
      return mixed(
        fc.tuple(fc.record(shape), fc.nat(), fc.boolean()).map(([value, drop, extra]) => {
          const out: Record<string, unknown> = { ...value };
          const keys = Object.keys(out);
          if (keys.length && drop % 20 === 0) delete out[keys[drop % keys.length]!];
          if (extra) out.unexpected = "field";
          return out;
        }),
      );
    }
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "catch":
    case "readonly":
    case "nonoptional":
      return fc.oneof({ weight: 8, arbitrary: guided(def.innerType, key, depth + 1) }, { weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant(null) });
    case "pipe": {
      const inner = defOf(def.in).type === "transform" ? def.out : def.in;
      return guided(inner, key, depth + 1);
    }
    case "union":
      return fc.oneof(...def.options!.map((option) => guided(option, key, depth + 1)));
    case "intersection":
      return fc.tuple(guided(def.left, key, depth + 1), guided(def.right, key, depth + 1)).map(([a, b]) =>
        a && b && typeof a === "object" && typeof b === "object" ? { ...a, ...b } : a,
      );
    case "array":
      return mixed(fc.array(guided(def.element, key, depth + 1), { maxLength: 4 }));
    case "enum":
      return mixed(fc.constantFrom(...Object.values(def.entries!)));
    case "literal":
      return mixed(fc.constantFrom(...def.values!));
    case "record":
      return mixed(fc.dictionary(fc.string({ maxLength: 12 }), guided(def.valueType, undefined, depth + 1), { maxKeys: 3 }));
    case "string":
      return mixed(stringArb(key, def));
    case "number":
      return mixed(numberArb(def));
    case "boolean":
      return mixed(fc.boolean());
    case "date":
      return mixed(fc.oneof(fc.date(), fc.constantFrom("2024-03-15T10:00:00Z", "nope")));
    default:
      return fc.anything();
  }
}

const anythingArb = fc.anything({
  maxDepth: 3,
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withTypedArray: true,
  withNullPrototype: true,
  withSparseArray: true,
  withBoxedValues: true,
});

/**
 * Valid inputs to start from, for procedures whose fields depend on each other (a field that
 * applies to one training task only) and which field-by-field generation therefore rarely gets right.
 */
const TEMPLATES: Record<string, () => Record<string, unknown>[]> = {
  "admin.jobs.launchTrainerRun": () => [
    { task: "tiny", steps: 2 },
    { task: "llm", data: state.importDir, variant: "nokpi", settings: { learning_rate: 0.001 } },
    { task: "detector", data: state.importDir, arch: "dilated" },
    { task: "ddpo", data: state.importDir, loraRank: 4, rewardVariant: "paper", settings: { prompt_set: "social", ddim_steps: 10 } },
    { task: "sd-base", data: state.importDir, onlyBucket: "high" },
  ],
};

function templateArb(name: string, schema: unknown): fc.Arbitrary<unknown> | null {
  const templates = TEMPLATES[name]?.();
  const shape = defOf(schema).type === "object" ? defOf(schema).shape! : null;
  if (!templates || !shape) return null;
  // A template with at most one field replaced by a generated value for that field.
  const fieldEdit = fc.oneof(fc.constant(null), ...Object.entries(shape).map(([key, field]) => guided(field, key).map((value) => [key, value] as const)));
  return fc.tuple(fc.constantFrom(...templates), fieldEdit).map(([template, edit]) => (edit ? { ...template, [edit[0]]: edit[1] } : template));
}

function inputArb(name: string, procedure: AnyProcedure): fc.Arbitrary<unknown> {
  const schemas = procedure._def.inputs ?? [];
  if (schemas.length === 0) return fc.oneof(fc.constant(undefined), anythingArb);
  const templates = templateArb(name, schemas[0]);
  return fc.oneof(
    { weight: 3, arbitrary: guided(schemas[0]) },
    { weight: 1, arbitrary: anythingArb },
    ...(templates ? [{ weight: 3, arbitrary: templates }] : []),
  );
}

// ---------------------------------------------------------------------------------------------

const show = (value: unknown) => util.inspect(value, { depth: 5, maxStringLength: 200, maxArrayLength: 20, breakLength: Infinity });
const errorFormatter = (appRouter._def as unknown as { _config: { errorFormatter: (opts: unknown) => { message: string; data: { fields?: { path: string; message: string }[] | null } } } })._config.errorFormatter;

describe(`tRPC fuzz: every procedure, generated inputs, admin caller (${testDbKind()})`, () => {
  const temp = useTempDataDir("fuzz-trpc");
  const saved = {
    BOIG_BOIGLLM_DIR: process.env.BOIG_BOIGLLM_DIR,
    BOIG_BOIGSD_DIR: process.env.BOIG_BOIGSD_DIR,
    BOIG_GENERATIONS_PER_MINUTE: process.env.BOIG_GENERATIONS_PER_MINUTE,
    BOIG_ACTIVE_GENERATIONS: process.env.BOIG_ACTIVE_GENERATIONS,
  };
  let handle: DbHandle;
  let admin: SessionUser;
  const outcomes: Record<string, Record<string, number>> = {};
  let calls = 0;

  beforeAll(async () => {
    temp.enter();
    // The served models point at nothing: a valid verbalize/score answers SERVICE_UNAVAILABLE in
    // milliseconds instead of running BoigLLM for seconds.
    process.env.BOIG_BOIGLLM_DIR = path.join(temp.root, "no-boigllm");
    process.env.BOIG_BOIGSD_DIR = path.join(temp.root, "no-boigsd");
    // Generous generation limits, so valid generate calls reach the database instead of stopping
    // at TOO_MANY_REQUESTS after the first dozen (the limits have their own tests).
    process.env.BOIG_GENERATIONS_PER_MINUTE = "10000";
    process.env.BOIG_ACTIVE_GENERATIONS = "1000";
    resetEnv();
    handle = await createTestDb();
    const u = await createUser(handle.db, { email: "admin@fuzz.test", password: "password123", role: "admin" }, null);
    admin = { id: u.id, email: u.email, name: u.name, role: u.role };

    // Something for valid ids and names to find: a brand with posts, a generation, a job, a key.
    state.importDir = path.join(temp.root, "acme");
    fs.mkdirSync(state.importDir, { recursive: true });
    fs.writeFileSync(path.join(state.importDir, "a.png"), encodePng(new Uint8Array(8 * 8 * 4).fill(120), 8, 8));
    fs.writeFileSync(
      path.join(state.importDir, "posts.csv"),
      ["post_id,account,posted_at,text,keywords,likes,media", ...Array.from({ length: 6 }, (_, i) => `p${i},acme,2024-03-0${i + 1},Post ${i},cup,${i * 10},a.png`)].join("\n"),
    );
    const [imported] = await importFolder(handle.db, { dir: state.importDir, name: "acme" });
    const generation = await requestGeneration(handle.db, admin.id, { brand: "acme", date: "2024-03-15", prompt: "A cup", keywords: [], targetKpi: "high", variants: 1 });
    const job = await launchTrainerRun(handle.db, { task: "tiny" }, admin.id);
    const key = await createApiKey(handle.db, admin.id, { name: "fuzz" });
    state.ids = [imported!.datasetId, imported!.reportId, generation.id, job.id, key.id, admin.id].filter((id): id is string => typeof id === "string");
    expect(state.ids.length).toBe(6);
  });

  afterAll(async () => {
    await handle?.close();
    await closeDb(); // public.health opened the process-wide database in the temp data folder
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    temp.leave();
  });

  it("finds the procedures", () => {
    expect(procedures.length).toBeGreaterThanOrEqual(30);
  });

  it.each(procedures.map(([name]) => [name]))(`%s: only success or a caller-facing TRPCError (${RUNS_PER_PROCEDURE} inputs)`, async (name) => {
    const procedure = procedures.find(([p]) => p === name)![1];
    const caller = createCallerFactory(appRouter)({ db: handle.db, user: admin }) as unknown as Record<string, unknown>;
    const fn = name.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as (input: unknown) => Promise<unknown>;
    const seen = (outcomes[name] = {} as Record<string, number>);
    await fc.assert(
      fc.asyncProperty(inputArb(name, procedure), async (input) => {
        calls++;
        try {
          await fn(input);
          seen.ok = (seen.ok ?? 0) + 1;
        } catch (error) {
          const where = `${name}(${show(input)})`;
          if (!(error instanceof TRPCError)) throw new Error(`${where} threw a non-TRPCError: ${show(error)}`);
          seen[error.code] = (seen[error.code] ?? 0) + 1;
          if (!ALLOWED.has(error.code)) throw new Error(`${where} → ${error.code}: ${error.message}\ncause: ${show(error.cause)}`);
          if (error.code === "BAD_REQUEST") {
            const shape = errorFormatter({ shape: { message: error.message, code: -32600, data: {} }, error, type: procedure._def.type, path: name, input, ctx: undefined });
            const fields = shape.data.fields ?? [];
            const clear = fields.length > 0 ? fields.every((f) => f.path.length > 0 && f.message.length > 0) : error.message.length > 0 && error.message !== "Invalid input";
            expect(clear, `${where} → BAD_REQUEST without a field or a message: ${show(shape)}`).toBe(true);
          }
        }
      }),
      { numRuns: RUNS_PER_PROCEDURE },
    );
  });

  it(`ran at least ${fuzzRuns()} generated calls in all, with real coverage`, () => {
    expect(calls).toBeGreaterThanOrEqual(fuzzRuns());
    // Guided inputs must get past validation somewhere: not every call may be a BAD_REQUEST.
    const succeeded = Object.values(outcomes).reduce((n, o) => n + (o.ok ?? 0), 0);
    expect(succeeded).toBeGreaterThan(calls / 10);
    const withInput = procedures.filter(([, p]) => (p._def.inputs ?? []).length > 0).map(([name]) => name);
    const reachedService = withInput.filter((name) => Object.keys(outcomes[name] ?? {}).some((code) => code !== "BAD_REQUEST"));
    expect(reachedService.length).toBeGreaterThan(withInput.length * 0.7);
  });
});
