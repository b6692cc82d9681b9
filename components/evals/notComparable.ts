/** The one-line caveat beside every paper table (docs/results.md says why in full). */
export const NOT_COMPARABLE =
  "Absolute numbers are not comparable with ours (different models and data; see docs/results.md); the comparisons between rows are.";
