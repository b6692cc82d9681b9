/**
 * The canonical text form of a verbalization — what BoigLLM reads and writes (SPEC §3.4, §4).
 * Grammar and canonical order: canonicalText/grammar.ts. Invariants (property-tested in
 * tests/unit/verbalizeCanonical.test.ts):
 *   parseCanonicalText(toCanonicalText(v)) deep-equals quantizeVerbalization(v);
 *   toCanonicalText(parseCanonicalText(t)) === t for canonical t;
 *   quantizeVerbalization is idempotent.
 */
export { toCanonicalText } from "./canonicalText/format";
export { parseCanonicalText, type ParseOptions } from "./canonicalText/parse";
export { droppedObjectLabels, quantizeVerbalization } from "./canonicalText/quantize";
export { canonicalVocabulary } from "./canonicalText/vocabulary";
