/**
 * Writes models/llm_tokenizer_golden.json: a corpus, the vocabulary built from it, and the
 * encodings of many texts, all computed by ./tokenizer.ts. The Python tokenizer must reproduce
 * it exactly (models/tests/test_llm_tokenizer.py); tests/unit/llmTokenizer.test.ts pins the TS side.
 *   node --import tsx server/llm/writeTokenizerGolden.ts INSTR_DIR [OUT_FILE]
 */
import fs from "node:fs";
import path from "node:path";
import { reservedTokens } from "./instructions";
import { buildVocab, Tokenizer } from "./tokenizer";

export const GOLDEN_MIN_COUNT = 2;
/** Small on purpose: the cap and <unk> are exercised, not just the happy path. */
export const GOLDEN_MAX_SIZE = 200;

/** Inputs the instruction builder never produces, to pin the edge cases of both implementations. */
export const ADVERSARIAL_TEXTS = [
  "",
  "   ",
  "Hello, WORLD!! it's 2024-03-09 — café Ünïcödé naïve",
  "tab\tseparated\nnew line\r\nwindows\fform\vvertical",
  "non\u00a0breaking\u2003em space stays one word",
  "kpi HIGH ; colors Red 45 ; tones warm 5 ; objects person 0 0 16 16 , car 1 2 3 4",
  "colors ; tones ; objects",
  "<bos> <sep> <eos> <pad> <unk> <BOS>",
  "a_b-c.d/e\\f:g;h,i ;;; ,,, ;,",
  "ÀÉÎÕÜ ﬁ ß İstanbul K",
  "emoji 🎉🎉 party 😀smile",
  "x".repeat(50) + " 00012 007 1e5 3.14",
];

export function writeTokenizerGolden(instrDir: string, outFile: string): void {
  const read = (name: string) =>
    fs.readFileSync(path.join(instrDir, name), "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as { prompt: string; target: string });
  const train = read("train.jsonl").slice(0, 240);
  const test = read("test.jsonl").slice(0, 60);
  const corpus = train.flatMap((r) => [r.prompt, r.target]);
  const reserved = reservedTokens();
  const vocab = buildVocab(corpus, reserved, GOLDEN_MIN_COUNT, GOLDEN_MAX_SIZE);
  const tokenizer = new Tokenizer(vocab);
  const texts = [...corpus, ...test.flatMap((r) => [r.prompt, r.target]), ...ADVERSARIAL_TEXTS];
  const golden = {
    about: "written by server/llm/writeTokenizerGolden.ts; both tokenizers (TS, Python) must reproduce vocab and ids",
    reserved,
    minCount: GOLDEN_MIN_COUNT,
    maxSize: GOLDEN_MAX_SIZE,
    corpus,
    vocab,
    samples: texts.map((text) => ({ text, ids: tokenizer.encode(text) })),
    examples: test.slice(0, 20).map((r) => ({ prompt: r.prompt, target: r.target, ...tokenizer.encodeExample(r.prompt, r.target) })),
  };
  fs.writeFileSync(outFile, JSON.stringify(golden) + "\n");
}

const isMain = process.argv[1] && path.resolve(process.argv[1]).endsWith(path.join("server", "llm", "writeTokenizerGolden.ts"));
if (isMain) {
  const [instrDir, outFile = "models/llm_tokenizer_golden.json"] = process.argv.slice(2);
  if (!instrDir) {
    console.error("usage: node --import tsx server/llm/writeTokenizerGolden.ts INSTR_DIR [OUT_FILE]");
    process.exit(2);
  }
  writeTokenizerGolden(instrDir, outFile);
  console.log(`wrote ${outFile}`);
}
