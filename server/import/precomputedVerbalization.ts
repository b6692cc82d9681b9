/**
 * The optional `verbalization` column (SPEC §3.2) for users who already tag their images:
 * one verbalization object per image — a JSON array in image order, or a single object when
 * the post has one image. Stored quantized, with its canonical text.
 */
import { z } from "zod";
import { COLOR_NAMES, TONES } from "../verbalize/vocabulary";
import { quantizeVerbalization, toCanonicalText } from "../verbalize/canonical";
import type { Verbalization } from "../verbalize/types";

const unit = z.number().min(0).max(1);
export const verbalizationSchema = z.object({
  colors: z.array(z.object({ name: z.enum(COLOR_NAMES as [string, ...string[]]), coverage: unit })).max(20),
  tones: z.array(z.object({ name: z.enum(TONES), coverage: unit })).max(TONES.length),
  objects: z
    .array(z.object({ label: z.string().min(1), box: z.object({ x: unit, y: unit, w: unit, h: unit }), score: unit.default(1) }))
    .max(50),
  caption: z.string().max(1000).default(""),
});

export function precomputedVerbalization(
  value: unknown,
  imageCount: number,
): { verbalization: Verbalization; canonicalText: string }[] | { error: string } {
  const list = Array.isArray(value) ? value : [value];
  if (list.length !== imageCount)
    return { error: `has ${list.length} verbalization${list.length === 1 ? "" : "s"} for ${imageCount} image${imageCount === 1 ? "" : "s"}` };
  const out = [];
  for (const [i, item] of list.entries()) {
    const parsed = verbalizationSchema.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return { error: `image ${i + 1}: ${issue.path.join(".") || "(value)"} ${issue.message}` };
    }
    const verbalization = quantizeVerbalization(parsed.data as Verbalization);
    out.push({ verbalization, canonicalText: toCanonicalText(verbalization) });
  }
  return out;
}
