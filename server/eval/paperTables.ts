/**
 * The paper's own numbers ("Behavior Optimized Image Generation", Table 1 and Table 2), as data,
 * so the admin Evaluation page can show them beside ours. Transcribed from docs/results.md
 * ("The paper's Table 1", "The paper's Table 2"), which copies them from the paper.
 *
 * Absolute values are NOT comparable with ours (Llama / GPT / Stable Diffusion on BoigBench and
 * stock data vs small models on the simulated world; Inception FID vs FID-like; LAION aesthetic
 * vs the quality proxy; CLIP vs our image–text model): only the comparisons between rows are.
 * Type-only imports: this module is read by client components too.
 */
import type { Table1RowId } from "./table1";
import type { MetricName } from "./verbalizationMetrics";

/** The paper's datasets; ours stand in by kind (world/social ↔ BoigBench, world/stock ↔ stock). */
export type PaperDataset = "BoigBench" | "Stock";
export type PaperKpi = "high" | "medium" | "low";
export const PAPER_DATASET_OF_KIND = { social: "BoigBench", stock: "Stock" } as const satisfies Record<"social" | "stock", PaperDataset>;
export const PAPER_DATASET_LABEL: Record<PaperDataset, string> = { BoigBench: "BoigBench (social; KPI = likes)", Stock: "Stock (KPI = forward actions / downloads)" };

// ---------------------------------------------------------------------------------------------
// Table 1: behavior-conditioned image verbalization

export type PaperTable1Row = {
  dataset: PaperDataset;
  /** The paper's row name. */
  model: string;
  behaviourOptimised: string;
  /** Our Table 1 row that stands in for it (server/eval/table1.ts TABLE1_ROWS). */
  ourRow: Table1RowId;
  kpi: PaperKpi;
  metrics: Record<MetricName, number>;
};

/** Column order of the values below = METRIC_NAMES (verbalizationMetrics.ts). */
const T1_COLUMNS = [
  "colorsIoU", "colorsSimilarity", "colorsRgbDistance", "colorsCoverageRmse", "tonesCoverageRmse",
  "objectsIoU", "objectsSimilarity", "objectAreaRmse", "relativePositionError",
] as const satisfies readonly MetricName[];

const T1_MODELS = [
  { model: "Finetuned Llama", behaviourOptimised: "No", ourRow: "nokpi" },
  { model: "Finetuned Llama (BoigLLM)", behaviourOptimised: "Behavior fine-tuning", ourRow: "boigllm" },
  { model: "3-shot GPT-3.5", behaviourOptimised: "In-context learning", ourRow: "shot3" },
  { model: "5-shot GPT-3.5", behaviourOptimised: "In-context learning", ourRow: "shot5" },
  { model: "3-shot GPT-4", behaviourOptimised: "In-context learning", ourRow: "shot3" },
  { model: "5-shot GPT-4", behaviourOptimised: "In-context learning", ourRow: "shot5" },
] as const;

/** Per model (T1_MODELS order), per KPI bucket, the nine values (T1_COLUMNS order). */
const T1_VALUES: Record<PaperDataset, { kpis: readonly PaperKpi[]; rows: readonly (readonly number[])[][] }> = {
  BoigBench: {
    kpis: ["high", "low"],
    rows: [
      [[0.3717, 0.8725, 0.2855, 0.1694, 0.1957, 0.2547, 0.8071, 0.2612, 0.3078], [0.3362, 0.8602, 0.2223, 0.1811, 0.2339, 0.2743, 0.8047, 0.2421, 0.2954]],
      [[0.4065, 0.8898, 0.2795, 0.1507, 0.1718, 0.2732, 0.8122, 0.2509, 0.3054], [0.4531, 0.8791, 0.2084, 0.1443, 0.1848, 0.3455, 0.8228, 0.2373, 0.2889]],
      [[0.214, 0.7765, 0.2851, 0.1773, 0.396, 0.1085, 0.6621, 0.309, 0.3651], [0.2175, 0.7781, 0.2254, 0.2118, 0.3347, 0.1338, 0.6749, 0.3098, 0.3573]],
      [[0.2137, 0.7704, 0.2743, 0.1976, 0.324, 0.1011, 0.6456, 0.316, 0.3622], [0.2191, 0.7705, 0.2176, 0.2449, 0.3186, 0.1264, 0.656, 0.315, 0.3615]],
      [[0.2421, 0.7887, 0.2726, 0.192, 0.304, 0.1035, 0.6316, 0.3137, 0.3666], [0.2405, 0.793, 0.2332, 0.2094, 0.3037, 0.1419, 0.6604, 0.3248, 0.3763]],
      [[0.2437, 0.7905, 0.2702, 0.1864, 0.2937, 0.1008, 0.6136, 0.3111, 0.3782], [0.2448, 0.7924, 0.2278, 0.2144, 0.2944, 0.1464, 0.6406, 0.3301, 0.3857]],
    ],
  },
  Stock: {
    kpis: ["high", "medium", "low"],
    rows: [
      [
        [0.3591, 0.8622, 0.2134, 0.183, 0.1893, 0.2804, 0.7, 0.2475, 0.2913],
        [0.3404, 0.8569, 0.2219, 0.1837, 0.1845, 0.2641, 0.6716, 0.2619, 0.3],
        [0.3373, 0.862, 0.2296, 0.1792, 0.2002, 0.241, 0.6758, 0.2522, 0.3085],
      ],
      [
        [0.3684, 0.8632, 0.2021, 0.1777, 0.1963, 0.3046, 0.7016, 0.2419, 0.3041],
        [0.366, 0.8651, 0.2135, 0.1813, 0.1752, 0.273, 0.6729, 0.252, 0.3103],
        [0.3514, 0.8722, 0.2233, 0.1655, 0.1989, 0.2499, 0.6687, 0.2466, 0.3217],
      ],
      [
        [0.2205, 0.8126, 0.2516, 0.2734, 0.3094, 0.0974, 0.4965, 0.3724, 0.4183],
        [0.2242, 0.8069, 0.2607, 0.2542, 0.3103, 0.0865, 0.4891, 1.1761, 0.4287],
        [0.2166, 0.8118, 0.2628, 0.2494, 0.3104, 0.1005, 0.5037, 0.363, 0.407],
      ],
      [
        [0.2354, 0.8208, 0.2579, 0.258, 0.3262, 0.1063, 0.5454, 0.3589, 0.4086],
        [0.2275, 0.8078, 0.2667, 0.2365, 0.3184, 0.0942, 0.5024, 0.4252, 0.4149],
        [0.2251, 0.8146, 0.2672, 0.2322, 0.3207, 0.1074, 0.5179, 0.3511, 0.4045],
      ],
      [
        [0.2721, 0.8103, 0.2193, 0.2282, 0.2953, 0.0961, 0.5239, 0.3477, 0.4072],
        [0.2686, 0.8105, 0.2363, 0.2147, 0.2751, 0.106, 0.5092, 0.4748, 0.4183],
        [0.2425, 0.814, 0.245, 0.2145, 0.3002, 0.1012, 0.5269, 0.3362, 0.4131],
      ],
      [
        [0.289, 0.819, 0.2209, 0.2244, 0.3004, 0.1118, 0.5558, 0.3481, 0.3929],
        [0.2752, 0.812, 0.2399, 0.215, 0.2761, 0.1151, 0.5405, 0.4573, 0.399],
        [0.2481, 0.8076, 0.251, 0.2086, 0.2938, 0.1027, 0.5428, 0.3305, 0.3965],
      ],
    ],
  },
};

/** The paper's Table 1, one entry per (dataset, model, KPI bucket), in the paper's order. */
export const PAPER_TABLE1: readonly PaperTable1Row[] = (Object.keys(T1_VALUES) as PaperDataset[]).flatMap((dataset) =>
  T1_MODELS.flatMap((m, i) =>
    T1_VALUES[dataset].kpis.map((kpi, k) => ({
      dataset,
      ...m,
      kpi,
      metrics: Object.fromEntries(T1_COLUMNS.map((name, c) => [name, T1_VALUES[dataset].rows[i]![k]![c]!])) as Record<MetricName, number>,
    })),
  ),
);

/** A paper model's mean over its KPI buckets (the same macro average as our "all" rows). */
export function paperTable1Mean(dataset: PaperDataset, model: string): Record<MetricName, number> {
  const rows = PAPER_TABLE1.filter((r) => r.dataset === dataset && r.model === model);
  return Object.fromEntries(T1_COLUMNS.map((name) => [name, rows.reduce((s, r) => s + r.metrics[name], 0) / rows.length])) as Record<MetricName, number>;
}

// ---------------------------------------------------------------------------------------------
// Table 2: behavior-optimized image generation

export type PaperTable2Row = {
  dataset: PaperDataset;
  /** The paper's row name. */
  images: string;
  /** Our Table 2 model label that stands in for it (server/eval/evalSd.ts rows' `model`). */
  ourModel: "base" | "SFT" | "BoigSD";
  kpi: PaperKpi;
  /** BoigLLM's sum of token probabilities (our "reward (paper)"). */
  reward: number;
  /** Inception FID (ours: FID-like, not comparable). */
  fid: number;
  /** LAION aesthetic predictor (ours: the quality proxy). */
  aesthetic: number;
  /** CLIP score (ours: agreement of our image–text model). */
  clip: number;
};

export const PAPER_TABLE2_COLUMNS = [
  { key: "reward", label: "Reward", direction: "higher" },
  { key: "fid", label: "FID", direction: "lower" },
  { key: "aesthetic", label: "Aesthetic", direction: "higher" },
  { key: "clip", label: "CLIP", direction: "higher" },
] as const satisfies readonly { key: keyof PaperTable2Row; label: string; direction: "higher" | "lower" }[];

const t2 = (dataset: PaperDataset, images: string, ourModel: PaperTable2Row["ourModel"], kpi: PaperKpi, reward: number, fid: number, aesthetic: number, clip: number): PaperTable2Row =>
  ({ dataset, images, ourModel, kpi, reward, fid, aesthetic, clip });

/** The paper's Table 2, in the paper's order. */
export const PAPER_TABLE2: readonly PaperTable2Row[] = [
  t2("BoigBench", "Base SD", "base", "high", 242.545, 34.958, 5.221, 33.346),
  t2("BoigBench", "Base SD", "base", "low", 238.471, 42.999, 4.925, 31.705),
  t2("BoigBench", "High-KPI fine-tuned SD", "SFT", "high", 239.023, 26.023, 4.85, 32.21),
  t2("BoigBench", "High-KPI fine-tuned SD", "SFT", "low", 223.619, 37.497, 4.433, 30.979),
  t2("BoigBench", "BoigSD", "BoigSD", "high", 254.918, 36.546, 5.341, 33.379),
  t2("BoigBench", "BoigSD", "BoigSD", "low", 247.597, 49.492, 5.087, 31.719),
  t2("Stock", "Base SD", "base", "high", 202.459, 33.481, 5.256, 30.659),
  t2("Stock", "Base SD", "base", "medium", 203.922, 30.936, 5.269, 30.442),
  t2("Stock", "Base SD", "base", "low", 203.328, 29.072, 5.279, 30.293),
  t2("Stock", "High-KPI fine-tuned SD", "SFT", "high", 190.153, 33.217, 5.248, 30.347),
  t2("Stock", "High-KPI fine-tuned SD", "SFT", "medium", 195.033, 30.056, 5.304, 30.115),
  t2("Stock", "High-KPI fine-tuned SD", "SFT", "low", 195.541, 28.893, 5.321, 29.975),
  t2("Stock", "BoigSD", "BoigSD", "high", 226.131, 35.406, 5.382, 30.616),
  t2("Stock", "BoigSD", "BoigSD", "medium", 224.571, 32.376, 5.406, 30.395),
  t2("Stock", "BoigSD", "BoigSD", "low", 225.511, 30.367, 5.417, 30.288),
];
