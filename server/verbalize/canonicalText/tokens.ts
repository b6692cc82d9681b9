import { badInput } from "../../errors";

/** A whitespace-separated token of canonical text, with where it is (for error messages). */
export type Token = { text: string; index: number; offset: number };

export function tokenize(text: string): Token[] {
  return [...text.matchAll(/\S+/g)].map((m, index) => ({ text: m[0], index, offset: m.index! }));
}

/**
 * Walks the tokens; every failure names the token (1-based number, text, 1-based character) or
 * the end of the text, and what was expected there.
 */
export class TokenCursor {
  private position = 0;
  constructor(private readonly tokens: Token[]) {}

  atEnd(): boolean {
    return this.position >= this.tokens.length;
  }

  peek(): Token | undefined {
    return this.tokens[this.position];
  }

  /** The next token; fails with `expected` if the text has ended. */
  next(expected: string): Token {
    const token = this.tokens[this.position];
    if (!token) throw this.fail(null, expected);
    this.position++;
    return token;
  }

  /** The next token, which must be exactly `word`. */
  expectWord(word: string, context = ""): Token {
    const expected = `"${word}"${context}`;
    const token = this.next(expected);
    if (token.text !== word) throw this.fail(token, expected);
    return token;
  }

  fail(token: Token | null, expected: string) {
    if (token)
      return badInput(`canonical text, token ${token.index + 1} "${token.text}" (char ${token.offset + 1}): expected ${expected}`, {
        token: token.text,
        tokenNumber: token.index + 1,
        charOffset: token.offset,
        expected,
      });
    const count = this.tokens.length;
    const where = count === 0 ? "canonical text is empty" : `canonical text ended after token ${count} "${this.tokens[count - 1]!.text}"`;
    return badInput(`${where}: expected ${expected}`, { token: null, tokenNumber: count + 1, expected });
  }
}
