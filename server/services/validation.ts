/** Shared zod pieces for service inputs, and the one place that turns zod failures into AppErrors. */
import { z } from "zod";
import { badInput } from "../errors";
import { ROLES } from "../db/schema";

export const emailSchema = z.string().trim().toLowerCase().email("Enter a valid email address");
export const passwordSchema = z
  .string()
  .min(8, "Password must be at least 8 characters")
  .max(200, "Password must be at most 200 characters");
export const roleSchema = z.enum(ROLES);

const ISO_8601 = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Years 1000–9999 (UTC): what survives a round trip through the database. Year 0 and 5-digit years
 * made the query itself fail (a 500 instead of a field error), and years below 100 came back as
 * 19xx / 20xx (PostgreSQL's text output "0001-01-01 …" parsed by V8 as 2001) — found by
 * tests/unit/fuzz.importer.test.ts and fuzz.trpc.db.test.ts. No post or cursor predates 1000.
 */
export function isStorableDate(date: Date): boolean {
  const year = date.getUTCFullYear();
  return !Number.isNaN(date.getTime()) && year >= 1000 && year <= 9999;
}

/**
 * An ISO 8601 date or date-time that names a real calendar day and a storable instant. Date.parse
 * alone rolls impossible days over ("2024-02-30" is March 1st) instead of refusing them.
 */
export function isIsoDateString(text: string): boolean {
  if (!ISO_8601.test(text)) return false;
  const [year, month, day] = text.slice(0, 10).split("-").map(Number) as [number, number, number];
  const lastDay = new Date(0);
  lastDay.setUTCFullYear(year, month, 0); // day 0 of the next month: the month's last day (setUTCFullYear: no 19xx mapping of years < 100)
  return month >= 1 && month <= 12 && day >= 1 && day <= lastDay.getUTCDate() && isStorableDate(new Date(text));
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why a string cannot be stored in PostgreSQL, or null. Text and jsonb cannot hold U+0000, and
 * jsonb refuses an unpaired UTF-16 surrogate (text silently turns it into U+FFFD): one such
 * character in a field used to fail the query — a 500, or an aborted import — instead of a field
 * error (found by tests/unit/fuzz.trpc.db.test.ts and fuzz.importer.test.ts).
 */
export function unstorableTextReason(text: string): string | null {
  if (text.includes("\u0000")) return "contains a NUL character (U+0000), which cannot be stored";
  if (LONE_SURROGATE.test(text)) return "contains a broken Unicode character (an unpaired surrogate), which cannot be stored";
  return null;
}

/**
 * The first string (or object key) of an input that cannot be stored: its field path and why.
 * Binary values (Uint8Array images) are not text and are not looked into.
 */
export function findUnstorableText(value: unknown, at: string[] = [], depth = 0): { path: string; message: string } | null {
  if (typeof value === "string") {
    const message = unstorableTextReason(value);
    return message ? { path: at.join(".") || "(input)", message } : null;
  }
  if (value === null || typeof value !== "object" || depth > 32 || ArrayBuffer.isView(value) || value instanceof Date) return null;
  // Map keys can be anything (superjson carries Maps): a non-string key is named by its position.
  const entries: [string, unknown][] =
    value instanceof Map
      ? [...value.entries()].map(([k, v], i) => [typeof k === "string" ? k : `[${i}]`, v])
      : value instanceof Set
        ? [...value].map((v, i) => [String(i), v])
        : Object.entries(value);
  for (const [key, item] of entries) {
    const keyProblem = unstorableTextReason(key);
    if (keyProblem) return { path: [...at, key.replace(new RegExp(LONE_SURROGATE.source, "g"), "\uFFFD").replace(/\u0000/g, "\\0")].join("."), message: `has a key that ${keyProblem}` };
    const found = findUnstorableText(item, [...at, key], depth + 1);
    if (found) return found;
  }
  return null;
}

/** BAD_INPUT naming the field whose text cannot be stored, or nothing. */
export function refuseUnstorableText(input: unknown) {
  const found = findUnstorableText(input);
  if (found) throw badInput(`${found.path}: ${found.message}`, { fields: [found] });
}

/** Parses or throws BAD_INPUT naming each field and what is wrong with it. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  refuseUnstorableText(input);
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((i) => ({ path: i.path.join(".") || "(input)", message: i.message }));
  throw badInput(fields.map((f) => `${f.path}: ${f.message}`).join("; "), { fields });
}
