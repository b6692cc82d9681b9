/** BoigLLM instruction building (SPEC §4) on synthetic sources: formats, noise rate, determinism. */
import { describe, expect, it } from "vitest";
import type { Bucket, DatasetKind } from "@/server/db/schema";
import { buildInstructions, buildPrompt, KPI_LABELS, NOISE_RATE, type InstructionSource } from "@/server/llm/instructions";

function source(i: number, kind: DatasetKind): InstructionSource {
  const labels = KPI_LABELS[kind];
  return {
    dataset: `d/${kind}`,
    kind,
    externalId: `p${String(i).padStart(5, "0")}`,
    position: i % 2,
    postId: `post-${i}`,
    imageId: `image-${i}`,
    account: kind === "social" ? "Acme_Co" : null,
    postedAt: new Date(Date.UTC(2024, 2, 9, 12)), // Saturday
    text: "Sunny DAY at the beach! #summer2024",
    keywords: ["beach", "Summer Fun"],
    bucket: labels[i % labels.length] as Bucket,
    split: i % 10 === 0 ? "test" : "train",
    canonicalText: "colors blue 45 white 20 ; tones cool 60 ; objects person 1 2 4 12",
  };
}

const sources = [...Array.from({ length: 1500 }, (_, i) => source(i, "social")), ...Array.from({ length: 1500 }, (_, i) => source(i, "stock"))];

describe("buildInstructions", () => {
  it("writes the four types and the no-KPI variant in the documented format", () => {
    const records = buildInstructions([source(1, "social"), source(2, "stock")]);
    expect(records.map((r) => [r.type, r.variant])).toEqual([
      [1, "behavior"], [3, "behavior"], [1, "nokpi"], [2, "behavior"], [4, "behavior"], [2, "nokpi"],
    ]);
    const [t1, t3, n1, t2] = records;
    expect(t1!.prompt).toBe(
      "task social ; brand acme co ; date 2024 mar weekday sat ; kpi low ; caption sunny day at the beach summer2024 ; keywords beach , summer fun ; verbalize",
    );
    expect(t1!.target).toBe(source(1, "social").canonicalText);
    expect(t3!.prompt.startsWith("task social check ; brand acme co ;")).toBe(true);
    expect(t3!.target).toBe(`kpi ${t3!.bucket} ; ${t1!.target}`);
    expect(n1!.prompt).toBe(t1!.prompt.replace("kpi low ; ", ""));
    expect(t2!.prompt).toBe("task stock ; date 2024 mar weekday sat ; kpi low ; caption sunny day at the beach summer2024 ; keywords beach , summer fun ; verbalize");
    expect(buildPrompt({ kind: "stock", postedAt: new Date(Date.UTC(2023, 11, 31)), kpi: null, caption: "", keywords: [] })).toBe(
      "task stock ; date 2023 dec weekday sun ; caption ; keywords ; verbalize",
    );
  });

  it("corrupts the input KPI of ~20% of type 3/4 samples, always stating the true label first", () => {
    const records = buildInstructions(sources, 0);
    for (const type of [3, 4] as const) {
      const check = records.filter((r) => r.type === type);
      const noisy = check.filter((r) => r.noisy);
      expect(Math.abs(noisy.length / check.length - NOISE_RATE)).toBeLessThan(0.03);
      for (const r of check) {
        expect(r.target.startsWith(`kpi ${r.bucket} ; `)).toBe(true);
        expect(r.prompt).toContain(`; kpi ${r.inputKpi} ;`);
        expect(r.noisy).toBe(r.inputKpi !== r.bucket);
        expect(KPI_LABELS[r.kind]).toContain(r.inputKpi);
      }
      if (type === 4) expect(new Set(noisy.map((r) => `${r.bucket}>${r.inputKpi}`)).size).toBe(6); // every wrong stock label occurs
    }
    expect(records.filter((r) => r.type <= 2).every((r) => !r.noisy && r.inputKpi === (r.variant === "nokpi" ? null : r.bucket))).toBe(true);
    expect(records.filter((r) => r.variant === "nokpi").every((r) => !/(^| )kpi /.test(r.prompt))).toBe(true);
  });

  it("is deterministic: same seed same records (in any input order), another seed other noise", () => {
    const a = buildInstructions(sources, 0);
    expect(buildInstructions([...sources].reverse(), 0)).toEqual(a);
    const b = buildInstructions(sources, 1);
    const noisyIds = (records: typeof a) => records.filter((r) => r.noisy).map((r) => r.id);
    expect(noisyIds(b)).not.toEqual(noisyIds(a));
    expect(new Set(a.map((r) => r.id)).size).toBe(a.length);
  });

  it("makes one sample per image and type (a post's images each get one)", () => {
    const records = buildInstructions(sources, 0);
    expect(records.length).toBe(sources.length * 3);
    const perImage = new Map<string, number>();
    for (const r of records) perImage.set(r.imageId + r.kind, (perImage.get(r.imageId + r.kind) ?? 0) + 1);
    expect([...perImage.values()].every((n) => n === 3)).toBe(true);
  });
});
