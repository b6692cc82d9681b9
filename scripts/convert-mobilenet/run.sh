#!/usr/bin/env bash
# Builds models/artifacts/mobilenet-v2-features/ (SPEC §6, the FID-like metric's features): the
# ImageNet MobileNetV2 inside nsfwjs@4.4.0, converted from its TF.js layers model to an ONNX graph
# that returns the 1280-d average-pooled features (flatten_1), checked against nsfwjs itself.
#
#   bash scripts/convert-mobilenet/run.sh    # writes model.onnx, golden-a.png, golden-b.png,
#                                            # golden.json, manifest.json
#
# Needs: the npm registry (nsfwjs@4.4.0, @tensorflow/tfjs@4.22.0 pure JS and buffer@6.0.3 into a
# temporary prefix, never into the project), /usr/bin/python3 with numpy + onnx (Debian
# python3-onnx), the project's node_modules (onnxruntime-node, pngjs, jpeg-js) and the fixture
# photos in tests/fixtures/photos/ (bash scripts/convert-centernet/run.sh photos).
# Set BOIG_CONVERT_KEEP_TMP=1 to keep the temporary folder for inspection.
set -euo pipefail

NSFWJS_VERSION="4.4.0"
TFJS_VERSION="4.22.0"
BUFFER_VERSION="6.0.3" # nsfwjs's peer dependency
MODEL="mobilenet_v2"   # nsfwjs's "MobileNetV2" (Keras MobileNetV2 1.0/224, 1280-d features)
# The files converted, pinned: a different upload under the same version stops the run.
MODEL_BUNDLE_SHA256="c32f104fd562b08cdff5ed69dfe1209643afa47e792fb12751d2949aa61a397a"
SHARD_BUNDLE_SHA256="ef2e0a63f7d2c4960b37b024b669313f65d3c45cd59e9042636c55b39de53517"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PYTHON="${BOIG_PYTHON:-/usr/bin/python3}"
ARTIFACT="$ROOT/models/artifacts/mobilenet-v2-features"
PHOTOS="$ROOT/tests/fixtures/photos"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/convert-mobilenet.XXXXXX")"
cleanup() { if [[ "${BOIG_CONVERT_KEEP_TMP:-0}" == "1" ]]; then echo "kept $TMP"; else rm -rf "$TMP"; fi; }
trap cleanup EXIT

check_sha() { # file expected
  local actual
  actual="$(sha256sum "$1" | cut -d' ' -f1)"
  if [[ "$actual" != "$2" ]]; then
    echo "error: $1 has sha256 $actual, expected $2" >&2
    exit 1
  fi
}

echo "== npm install nsfwjs@$NSFWJS_VERSION @tensorflow/tfjs@$TFJS_VERSION (temporary prefix, pure JS CPU backend) =="
mkdir -p "$TMP/js"
echo '{ "name": "convert-mobilenet-js", "private": true }' >"$TMP/js/package.json"
npm install --prefix "$TMP/js" --no-audit --no-fund --ignore-scripts --loglevel=error \
  "nsfwjs@$NSFWJS_VERSION" "@tensorflow/tfjs@$TFJS_VERSION" "buffer@$BUFFER_VERSION" >/dev/null
NSFWJS="$TMP/js/node_modules/nsfwjs"
check_sha "$NSFWJS/dist/models/$MODEL/model.min.js" "$MODEL_BUNDLE_SHA256"
check_sha "$NSFWJS/dist/models/$MODEL/group1-shard1of1.min.js" "$SHARD_BUNDLE_SHA256"

echo "== extract the TF.js model from nsfwjs's bundles =="
node "$HERE/extract.mjs" "$NSFWJS" "$MODEL" "$TMP/extracted"

echo "== convert Keras layers (TF.js) -> ONNX =="
mkdir -p "$ARTIFACT"
"$PYTHON" "$HERE/convert.py" "$TMP/extracted/model.json" "$ARTIFACT/model.onnx" --output-layer flatten_1 --input-scale 255

echo "== verify against nsfwjs, write golden.json + manifest.json =="
# tfjs prints a hint about tfjs-node, nsfwjs one about hosting the model; drop that noise (pipefail
# keeps verify.mjs's exit status).
node "$HERE/verify.mjs" \
  --js "$TMP/js" \
  --extracted "$TMP/extracted" \
  --artifact "$ARTIFACT" \
  --photos "$PHOTOS" \
  --command "bash scripts/convert-mobilenet/run.sh" 2>&1 \
  | { grep -v -e "tfjs-node" -e "^====" -e "^Hi, looks like" -e "You're using the model" -e "^$" || true; }
ls -l "$ARTIFACT"
