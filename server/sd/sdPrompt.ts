/**
 * BoigSD's prompt text and token ids, exactly as the trainer builds them
 * (models/boig_trainer/sd_data.py prompt_text / encode_prompt; pinned by tests/unit/sdPrompt.test.ts):
 *   social: `brand <account> ; <caption> ; keywords <k1> , <k2>`
 *   stock:  `stock ; <caption> ; keywords <k1> , <k2>`
 * normalized like the instruction prompts (ASCII-lowercased [a-z0-9] pieces, caption ≤ 32 words,
 * ≤ 8 keywords of ≤ 3 words), then `<bos> prompt <eos>` padded with `<pad>` to maxTokens (a longer
 * prompt keeps its first maxTokens − 2 tokens).
 */
import type { DatasetKind } from "../db/schema";
import { MAX_CAPTION_WORDS, MAX_KEYWORD_WORDS, MAX_KEYWORDS } from "../llm/instructions";
import { freeTextPieces, wordsOf, type Tokenizer } from "../llm/tokenizer";

export type SdPromptFields = { kind: DatasetKind; brand: string | null; caption: string; keywords: readonly string[] };

const normalize = (text: string) => wordsOf(text).flatMap(freeTextPieces);

export function sdPromptText(fields: SdPromptFields): string {
  const caption = normalize(fields.caption).slice(0, MAX_CAPTION_WORDS).join(" ");
  const keywords = fields.keywords
    .map((k) => normalize(k).slice(0, MAX_KEYWORD_WORDS).join(" "))
    .filter((k) => k.length > 0)
    .slice(0, MAX_KEYWORDS)
    .join(" , ");
  const head = fields.kind === "social" ? `brand ${normalize(fields.brand ?? "").join(" ") || "unknown"}` : "stock";
  return [head, caption, `keywords ${keywords}`.trimEnd()].join(" ; ");
}

export function sdPromptIds(tokenizer: Tokenizer, text: string, maxTokens: number): { ids: number[]; truncated: boolean } {
  const body = tokenizer.encode(text);
  const truncated = body.length > maxTokens - 2;
  const ids = [tokenizer.bosId, ...body.slice(0, maxTokens - 2), tokenizer.eosId];
  while (ids.length < maxTokens) ids.push(tokenizer.padId);
  return { ids, truncated };
}
