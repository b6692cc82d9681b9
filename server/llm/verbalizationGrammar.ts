/**
 * The grammar that constrains BoigLLM's decoding (SPEC §4: the output always parses as a
 * verbalization). A token-level state machine over the canonical form of
 * server/verbalize/canonicalText/grammar.ts, optionally preceded by `kpi LABEL ;` (instruction
 * types 3–4). At every step `allowed()` lists the tokens that keep the text valid; the decoder
 * masks every other token. The machine also records what has been said, so a text cut short by
 * the token budget still yields the verbalization of its completed items (`verbalization()`).
 *
 * Invariants enforced (beyond syntax): color and tone names are not repeated; coverages are
 * non-increasing within a section (largest first, as in canonical text) and color coverages sum
 * to at most 100%; at most MAX_COLORS colors and MAX_OBJECTS objects; boxes stay on the grid
 * (x + w ≤ 16, y + h ≤ 16), come largest area first and are not repeated where any other
 * height fits. Ties in the canonical order (palette
 * order at equal coverage, ...) are left to toCanonicalText, which sorts.
 */
import { toCanonicalText } from "../verbalize/canonical";
import { COVERAGE_UNITS, GRID_CELLS, KEYWORDS, OBJECT_SEPARATOR, PERCENT_PER_UNIT, SECTION_SEPARATOR } from "../verbalize/canonicalText/grammar";
import type { Verbalization } from "../verbalize/types";
import { COLOR_NAMES, MAX_COLORS, MAX_OBJECTS, OBJECT_CLASSES, TONES, type ColorName, type ObjectClass, type Tone } from "../verbalize/vocabulary";

export const END = "<eos>";
const KPI_WORD = "kpi";

type Phase =
  | "kpiWord" | "kpiLabel" | "kpiSeparator"
  | "colorsWord" | "colorName" | "colorPercent"
  | "tonesWord" | "toneName" | "tonePercent"
  | "objectsWord" | "firstObject" | "objectClass" | "x" | "y" | "w" | "h" | "afterObject"
  | "done";

const percents = (maxUnits: number) => Array.from({ length: Math.max(0, maxUnits) }, (_, i) => String((i + 1) * PERCENT_PER_UNIT));
const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => String(from + i));

export class VerbalizationGrammar {
  private phase: Phase;
  private readonly kpiLabels: readonly string[];
  kpiLabel: string | null = null;
  readonly colors: { name: ColorName; units: number }[] = [];
  readonly tones: { name: Tone; units: number }[] = [];
  readonly objects: { label: ObjectClass; x: number; y: number; w: number; h: number }[] = [];
  private pendingName = "";
  private box: { label: ObjectClass; x: number; y: number; w: number; h: number } | null = null;

  /** `kpiLabels`: for types 3–4 the text starts `kpi LABEL ;` with LABEL one of these. */
  constructor(options: { kpiLabels?: readonly string[] } = {}) {
    this.kpiLabels = options.kpiLabels ?? [];
    this.phase = this.kpiLabels.length > 0 ? "kpiWord" : "colorsWord";
  }

  get finished(): boolean {
    return this.phase === "done";
  }

  /** Tokens that may come next (END = the end of the text). Never empty before `finished`. */
  allowed(): string[] {
    switch (this.phase) {
      case "kpiWord": return [KPI_WORD];
      case "kpiLabel": return [...this.kpiLabels];
      case "kpiSeparator": return [SECTION_SEPARATOR];
      case "colorsWord": return [KEYWORDS.colors];
      case "colorName": {
        const canAdd = this.colors.length < MAX_COLORS && this.colorUnitsLeft() >= 1;
        const unused = canAdd ? COLOR_NAMES.filter((n) => !this.colors.some((c) => c.name === n)) : [];
        return [...unused, SECTION_SEPARATOR];
      }
      case "colorPercent": return percents(Math.min(this.colors.at(-1)?.units ?? COVERAGE_UNITS, this.colorUnitsLeft()));
      case "tonesWord": return [KEYWORDS.tones];
      case "toneName": return [...TONES.filter((n) => !this.tones.some((t) => t.name === n)), SECTION_SEPARATOR];
      case "tonePercent": return percents(this.tones.at(-1)?.units ?? COVERAGE_UNITS);
      case "objectsWord": return [KEYWORDS.objects];
      case "firstObject": return [...OBJECT_CLASSES, END];
      case "objectClass": return [...OBJECT_CLASSES];
      case "x": return range(0, GRID_CELLS - 1);
      case "y": return range(0, GRID_CELLS - 1);
      case "w": return range(1, Math.min(GRID_CELLS - this.box!.x, this.previousArea()));
      case "h": {
        // An object identical to one already listed would be merged away: not offered (it is
        // also how a small model's greedy loops "person 1 3 3 3 , person 1 3 3 3 ..." end).
        const b = this.box!;
        const taken = new Set(this.objects.filter((o) => o.label === b.label && o.x === b.x && o.y === b.y && o.w === b.w).map((o) => String(o.h)));
        const heights = range(1, Math.min(GRID_CELLS - b.y, Math.floor(this.previousArea() / b.w)));
        const fresh = heights.filter((h) => !taken.has(h));
        return fresh.length > 0 ? fresh : heights; // never a dead end; a repeat is merged by toCanonicalText
      }
      case "afterObject": return this.objects.length < MAX_OBJECTS ? [OBJECT_SEPARATOR, END] : [END];
      case "done": return [];
    }
  }

  /** Consumes one token; throws if it is not allowed (the decoder only offers allowed ones). */
  accept(token: string): void {
    if (!this.allowed().includes(token)) throw new Error(`token "${token}" is not allowed here (expected one of: ${this.allowed().slice(0, 12).join(" ")})`);
    switch (this.phase) {
      case "kpiWord": this.phase = "kpiLabel"; break;
      case "kpiLabel": this.kpiLabel = token; this.phase = "kpiSeparator"; break;
      case "kpiSeparator": this.phase = "colorsWord"; break;
      case "colorsWord": this.phase = "colorName"; break;
      case "colorName":
        if (token === SECTION_SEPARATOR) this.phase = "tonesWord";
        else { this.pendingName = token; this.phase = "colorPercent"; }
        break;
      case "colorPercent":
        this.colors.push({ name: this.pendingName as ColorName, units: Number(token) / PERCENT_PER_UNIT });
        this.phase = "colorName";
        break;
      case "tonesWord": this.phase = "toneName"; break;
      case "toneName":
        if (token === SECTION_SEPARATOR) this.phase = "objectsWord";
        else { this.pendingName = token; this.phase = "tonePercent"; }
        break;
      case "tonePercent":
        this.tones.push({ name: this.pendingName as Tone, units: Number(token) / PERCENT_PER_UNIT });
        this.phase = "toneName";
        break;
      case "objectsWord": this.phase = "firstObject"; break;
      case "firstObject":
      case "objectClass":
        if (token === END) { this.phase = "done"; break; }
        this.box = { label: token as ObjectClass, x: 0, y: 0, w: 0, h: 0 };
        this.phase = "x";
        break;
      case "x": this.box!.x = Number(token); this.phase = "y"; break;
      case "y": this.box!.y = Number(token); this.phase = "w"; break;
      case "w": this.box!.w = Number(token); this.phase = "h"; break;
      case "h":
        this.box!.h = Number(token);
        this.objects.push(this.box!);
        this.box = null;
        this.phase = "afterObject";
        break;
      case "afterObject": this.phase = token === END ? "done" : "objectClass"; break;
      case "done": break;
    }
  }

  /** The verbalization of every completed item (also when the text was cut short). */
  verbalization(): Pick<Verbalization, "colors" | "tones" | "objects"> {
    return {
      colors: this.colors.map((c) => ({ name: c.name, coverage: c.units / COVERAGE_UNITS })),
      tones: this.tones.map((t) => ({ name: t.name, coverage: t.units / COVERAGE_UNITS })),
      objects: this.objects.map((o) => ({
        label: o.label,
        box: { x: o.x / GRID_CELLS, y: o.y / GRID_CELLS, w: o.w / GRID_CELLS, h: o.h / GRID_CELLS },
        score: 1,
      })),
    };
  }

  /** Canonical text of `verbalization()` (sorted and de-duplicated by toCanonicalText). */
  canonicalText(): string {
    return toCanonicalText(this.verbalization());
  }

  private colorUnitsLeft(): number {
    return COVERAGE_UNITS - this.colors.reduce((sum, c) => sum + c.units, 0);
  }

  private previousArea(): number {
    const last = this.objects.at(-1);
    return last ? last.w * last.h : GRID_CELLS * GRID_CELLS;
  }
}
