/**
 * One raw record of posts.csv / posts.jsonl → a row ready to store, or every reason it is not
 * (column + reason, for the import report). The whole per-row contract in one place, so the
 * importer and its fuzz test (tests/unit/fuzz.importer.test.ts) run the same code.
 */
import type { DatasetKind } from "../db/schema";
import { checkMedia, type CheckedMedia } from "./checkMedia";
import { precomputedVerbalization } from "./precomputedVerbalization";
import type { Verbalization } from "../verbalize/types";
import { normalizeRow, socialRowSchema, stockRowSchema, type NormalizedRow } from "./rowSchemas";

export type ValidatedRow =
  | { ok: true; row: NormalizedRow; media: CheckedMedia[]; verbalizations: { verbalization: Verbalization; canonicalText: string }[] }
  | { ok: false; errors: { column: string; reason: string }[] };

export async function validateRow(kind: DatasetKind, values: Record<string, unknown>, rootReal: string, maxMediaBytes: number): Promise<ValidatedRow> {
  const schema = kind === "social" ? socialRowSchema : stockRowSchema;
  const parsed = schema.safeParse(values);
  if (!parsed.success)
    return { ok: false, errors: parsed.error.issues.map((issue) => ({ column: String(issue.path[0] ?? "(row)"), reason: issue.message })) };
  const row = normalizeRow(kind, parsed.data);
  const media: CheckedMedia[] = [];
  for (const mediaPath of row.media) {
    try {
      media.push(await checkMedia(rootReal, mediaPath, maxMediaBytes));
    } catch (err) {
      return { ok: false, errors: [{ column: "media", reason: (err as Error).message }] };
    }
  }
  const verbalizations = row.verbalization === undefined ? [] : precomputedVerbalization(row.verbalization, media.length);
  if (!Array.isArray(verbalizations)) return { ok: false, errors: [{ column: "verbalization", reason: verbalizations.error }] };
  return { ok: true, row, media, verbalizations };
}
