/**
 * BoigLLM's word-level tokenizer (SPEC §4), mirrored by models/boig_trainer/llm_tokenizer.py.
 *
 * A text is split on ASCII whitespace. A word that is in the vocabulary as written (every
 * canonical verbalization token, every field keyword, the specials) is one token. Any other
 * word is lowercased (ASCII A–Z only, so JavaScript and Python agree on every input) and split
 * on everything that is not [a-z0-9]; each piece is a token, or <unk> if the vocabulary lacks it.
 * The vocabulary: specials, the reserved tokens (in the order given), then free-text words of
 * the training data with count ≥ minCount, most frequent first (ties by code point), up to
 * maxSize. models/llm_tokenizer_golden.json pins both implementations to the same output.
 */
export const PAD = "<pad>";
export const UNK = "<unk>";
export const BOS = "<bos>";
export const EOS = "<eos>";
export const SEP = "<sep>";
/** ids 0…4, in this order. */
export const SPECIALS = [PAD, UNK, BOS, EOS, SEP] as const;

const WHITESPACE = /[ \t\n\r\f\v]+/;
const NOT_ALNUM = /[^a-z0-9]+/;

export function wordsOf(text: string): string[] {
  return text.split(WHITESPACE).filter((word) => word.length > 0);
}

function asciiLower(word: string): string {
  return word.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** A free-text word → its lowercase [a-z0-9]+ pieces. */
export function freeTextPieces(word: string): string[] {
  return asciiLower(word).split(NOT_ALNUM).filter((piece) => piece.length > 0);
}

/** Normalizes free text (caption, keywords, brand) the way the tokenizer will read it. */
export function normalizeFreeText(text: string): string {
  return wordsOf(text).flatMap(freeTextPieces).join(" ");
}

function pieces(text: string, reserved: ReadonlySet<string>): string[] {
  return wordsOf(text).flatMap((word) => (reserved.has(word) ? [word] : freeTextPieces(word)));
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function buildVocab(texts: Iterable<string>, reserved: readonly string[], minCount: number, maxSize: number): string[] {
  const head: string[] = [];
  for (const token of [...SPECIALS, ...reserved]) if (!head.includes(token)) head.push(token);
  const reservedSet = new Set(head);
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const piece of pieces(text, reservedSet)) {
      if (!reservedSet.has(piece)) counts.set(piece, (counts.get(piece) ?? 0) + 1);
    }
  }
  const ranked = [...counts.entries()]
    .filter(([, count]) => count >= minCount)
    .sort(([a, ca], [b, cb]) => cb - ca || byCodePoint(a, b))
    .map(([word]) => word);
  return [...head, ...ranked.slice(0, Math.max(0, maxSize - head.length))];
}

export class Tokenizer {
  readonly tokens: readonly string[];
  private readonly ids: ReadonlyMap<string, number>;
  readonly padId = 0;
  readonly unkId = 1;
  readonly bosId = 2;
  readonly eosId = 3;
  readonly sepId = 4;

  constructor(tokens: readonly string[]) {
    if (SPECIALS.some((special, i) => tokens[i] !== special)) throw new Error(`vocab must start with ${SPECIALS.join(" ")}`);
    this.tokens = tokens;
    this.ids = new Map(tokens.map((token, i) => [token, i]));
    if (this.ids.size !== tokens.length) throw new Error("vocab has duplicate tokens");
  }

  get size(): number {
    return this.tokens.length;
  }

  id(token: string): number | undefined {
    return this.ids.get(token);
  }

  encode(text: string): number[] {
    const out: number[] = [];
    for (const word of wordsOf(text)) {
      const exact = this.ids.get(word);
      if (exact !== undefined) out.push(exact);
      else for (const piece of freeTextPieces(word)) out.push(this.ids.get(piece) ?? this.unkId);
    }
    return out;
  }

  decode(ids: readonly number[]): string {
    return ids.map((id) => this.tokens[id] ?? UNK).join(" ");
  }

  /** <bos> prompt <sep> target <eos>, and the index of the first target token. */
  encodeExample(prompt: string, target: string): { ids: number[]; targetStart: number } {
    const head = [this.bosId, ...this.encode(prompt), this.sepId];
    return { ids: [...head, ...this.encode(target), this.eosId], targetStart: head.length };
  }

  /** vocab.json: `{ "tokens": [...] }` (what the trainer reads and copies into the artifact). */
  static fromJson(json: unknown): Tokenizer {
    const tokens = (json as { tokens?: unknown }).tokens;
    if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === "string")) throw new Error("vocab.json has no tokens array");
    return new Tokenizer(tokens as string[]);
  }
}
