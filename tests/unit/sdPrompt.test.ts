/**
 * server/sd/sdPrompt.ts is the TypeScript mirror of the trainer's prompt (models/boig_trainer/sd_data.py
 * `prompt_text`, `encode_prompt`): BoigSD was trained on the Python ids, so the app must build the
 * same ones. Every case here is run through both, Python spawned once with the whole list.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { Tokenizer } from "@/server/llm/tokenizer";
import { sdPromptIds, sdPromptText, type SdPromptFields } from "@/server/sd/sdPrompt";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const vocabPath = path.join(repoRoot, "tests/fixtures/sd/boigsd-tiny/vocab.json");
const python = process.env.BOIG_PYTHON ?? "/usr/bin/python3";

const forty = Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ");
const CASES: SdPromptFields[] = [
  { kind: "social", brand: "fizzwell", caption: "Tag a friend who needs the teal bicycle today. #spring2021 #community #fizzwell", keywords: ["community", "spring", "beverage", "bicycle", "teal"] },
  { kind: "stock", brand: null, caption: "Fashion: black watch with a gray flower, isolated on maroon, with copy space", keywords: ["fashion", "watch", "copy space", "vector"] },
  { kind: "social", brand: "Café", caption: "Café crème — naïve résumé ÜBER straße", keywords: ["crème brûlée", "東京", "ÀÉÎ abc"] },
  { kind: "social", brand: "partyco", caption: "🎉 Party time!!! 🎉🎉 𝒜𝒷𝒸 test", keywords: ["🎉", "fun 🎉 times"] },
  { kind: "stock", brand: null, caption: "Hello,world;foo...bar--baz(qux)[x]{y}<pad> <eos>", keywords: ["a,b", "c;d", "e/f/g/h"] },
  { kind: "social", brand: "fizzwell", caption: forty, keywords: ["x"] }, // > 32 words: the first 32
  { kind: "social", brand: "fizzwell", caption: "don't won't can't it's y'all's " + forty.slice(0, 150), keywords: [] }, // pieces, not words, count
  { kind: "stock", brand: null, caption: "many keywords", keywords: Array.from({ length: 12 }, (_, i) => `kw${i}`) }, // > 8 keywords
  { kind: "stock", brand: null, caption: "empties first", keywords: ["!!!", "", "   ", "a", "—", "b", "c", "d", "e", "f", "g", "h", "i"] }, // empties do not count
  { kind: "social", brand: "fizzwell", caption: "long keywords", keywords: ["one two three four five", "alpha-beta-gamma-delta", "x".repeat(300)] },
  { kind: "social", brand: "fizzwell", caption: "no keywords", keywords: [] },
  { kind: "social", brand: "fizzwell", caption: "only empty keywords", keywords: ["", "?!", "🎉"] },
  { kind: "social", brand: "", caption: "empty brand", keywords: ["k"] },
  { kind: "social", brand: null, caption: "no brand", keywords: ["k"] },
  { kind: "social", brand: "!!!", caption: "brand that normalizes to nothing", keywords: ["k"] },
  { kind: "social", brand: "Fizz_Well Co.", caption: "brand with punctuation", keywords: ["k"] },
  { kind: "stock", brand: "ignoredbrand", caption: "stock ignores the brand", keywords: ["k"] },
  { kind: "social", brand: "fizzwell", caption: "", keywords: ["only", "keywords"] },
  { kind: "stock", brand: null, caption: "   ", keywords: [] },
  { kind: "social", brand: "fizzwell", caption: "a\tb\nc\r\nd\u00a0e\u2003f\u000bg\u000ch\u200bi", keywords: ["tab\tword", "nbsp\u00a0word"] },
  { kind: "social", brand: "fizzwell", caption: "brand ; keywords , stock ; BRAND KEYWORDS", keywords: ["brand", "keywords ,", ";"] },
  { kind: "social", brand: "İstanbul", caption: "İstanbul ǅemal ﬁne 2024 sale 50% off 3x", keywords: ["ß", "ﬁ"] },
  { kind: "social", brand: "fizzwell", caption: "dup", keywords: ["a b c", "a b c", "A B C d"] },
  { kind: "social", brand: "Big Brand Name", caption: forty, keywords: Array.from({ length: 9 }, (_, i) => `k${i} spring sale extra`) }, // > 46 tokens
];

type PyResult = { text: string; ids48: number[]; cut48: boolean; ids12: number[]; cut12: boolean };

const PY = `
import json, sys
from pathlib import Path
from boig_trainer.llm_tokenizer import Tokenizer
from boig_trainer.sd_data import encode_prompt, prompt_text
request = json.load(sys.stdin)
tokenizer = Tokenizer(json.loads(Path(request["vocab"]).read_text())["tokens"])
out = []
for case in request["cases"]:
    text = prompt_text(case["kind"], case["brand"], case["caption"], case["keywords"])
    ids48, cut48 = encode_prompt(tokenizer, text, 48)
    ids12, cut12 = encode_prompt(tokenizer, text, 12)
    out.append({"text": text, "ids48": ids48, "cut48": cut48, "ids12": ids12, "cut12": cut12})
json.dump(out, sys.stdout)
`;

let tokenizer: Tokenizer;
let expected: PyResult[];

beforeAll(() => {
  tokenizer = Tokenizer.fromJson(JSON.parse(fs.readFileSync(vocabPath, "utf8")));
  const result = spawnSync(python, ["-c", PY], {
    cwd: repoRoot,
    env: { ...process.env, PYTHONPATH: path.join(repoRoot, "models") },
    input: JSON.stringify({ vocab: vocabPath, cases: CASES }),
    encoding: "utf8",
    timeout: 60_000,
  });
  if (result.status !== 0) throw new Error(`python failed (${result.status}): ${result.stderr}`);
  expected = JSON.parse(result.stdout) as PyResult[];
});

describe("sdPromptText", () => {
  it("equals the trainer's prompt_text on every case", () => {
    expect(expected).toHaveLength(CASES.length);
    const got = CASES.map((c) => sdPromptText(c));
    expect(got).toEqual(expected.map((e) => e.text));
  });

  it("follows the documented format on plain cases", () => {
    expect(sdPromptText(CASES[0]!)).toBe(
      "brand fizzwell ; tag a friend who needs the teal bicycle today spring2021 community fizzwell ; keywords community , spring , beverage , bicycle , teal",
    );
    expect(sdPromptText({ kind: "stock", brand: "x", caption: "", keywords: [] })).toBe("stock ;  ; keywords");
    expect(sdPromptText({ kind: "social", brand: "", caption: "Hi", keywords: [] })).toBe("brand unknown ; hi ; keywords");
    expect(sdPromptText(CASES[5]!).split(" ; ")[1]!.split(" ")).toHaveLength(32);
    expect(sdPromptText(CASES[7]!).split(" ; ")[2]).toBe("keywords kw0 , kw1 , kw2 , kw3 , kw4 , kw5 , kw6 , kw7");
    expect(sdPromptText(CASES[8]!).split(" ; ")[2]).toBe("keywords a , b , c , d , e , f , g , h");
    expect(sdPromptText(CASES[9]!).split(" ; ")[2]).toBe(`keywords one two three , alpha beta gamma , ${"x".repeat(300)}`);
  });
});

describe("sdPromptIds", () => {
  it("equals encode_prompt: <bos> prompt <eos>, padded to maxTokens, cut to its first maxTokens − 2 tokens", () => {
    for (const [i, c] of CASES.entries()) {
      const text = sdPromptText(c);
      const at48 = sdPromptIds(tokenizer, text, 48);
      const at12 = sdPromptIds(tokenizer, text, 12);
      expect({ case: i, ids: at48.ids, truncated: at48.truncated }).toEqual({ case: i, ids: expected[i]!.ids48, truncated: expected[i]!.cut48 });
      expect({ case: i, ids: at12.ids, truncated: at12.truncated }).toEqual({ case: i, ids: expected[i]!.ids12, truncated: expected[i]!.cut12 });
    }
    expect(expected.some((e) => e.cut48)).toBe(true); // the 48-token cut is exercised
    expect(expected.some((e) => e.cut12) && expected.some((e) => !e.cut12)).toBe(true); // both sides of the 12-token cut
  });

  it("pads and truncates by hand", () => {
    const { bosId, eosId, padId } = tokenizer;
    expect(sdPromptIds(tokenizer, "", 6)).toEqual({ ids: [bosId, eosId, padId, padId, padId, padId], truncated: false });
    const body = tokenizer.encode("stock ; keywords");
    expect(body).toHaveLength(3);
    expect(sdPromptIds(tokenizer, "stock ; keywords", 5)).toEqual({ ids: [bosId, ...body, eosId], truncated: false });
    expect(sdPromptIds(tokenizer, "stock ; keywords", 4)).toEqual({ ids: [bosId, body[0], body[1], eosId], truncated: true });
    const longest = sdPromptText(CASES.at(-1)!);
    const long = sdPromptIds(tokenizer, longest, 48);
    expect(tokenizer.encode(longest).length).toBeGreaterThan(46);
    expect(long).toEqual({ ids: [bosId, ...tokenizer.encode(longest).slice(0, 46), eosId], truncated: true });
  });
});
