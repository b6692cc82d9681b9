#!/usr/bin/env bash
# Builds models/artifacts/coco-centernet/ (SPEC §3.4 backend (b)): the COCO CenterNet-MobileNetV3
# of @vladmandic/human@3.3.6, converted from TF.js graph format to ONNX, checked against tfjs.
#
#   bash scripts/convert-centernet/run.sh          # convert + verify, writes model.onnx,
#                                                  # golden-input.png, golden.json, manifest.json
#   bash scripts/convert-centernet/run.sh photos   # (re)write tests/fixtures/photos/ from Debian
#                                                  # packages (python3-skimage, darknet)
#
# Needs: the npm registry (npm pack, and @tensorflow/tfjs@4.22.0 pure JS into a temporary prefix,
# never into the project), /usr/bin/python3 with numpy + onnx (Debian python3-onnx), the project's
# node_modules (onnxruntime-node, pngjs, jpeg-js). `photos` also needs Debian's archive (apt-get).
# Set BOIG_CONVERT_KEEP_TMP=1 to keep the temporary folder for inspection.
set -euo pipefail

HUMAN_VERSION="3.3.6"
# Debian bookworm packages the test photos come from (pinned so the fixtures stay byte-identical).
PHOTO_DEBS=("python3-skimage=0.19.3-8" "darknet=0.0.0+git20180914.61c9d02e-2+b4")
TFJS_VERSION="4.22.0"
# The files converted, pinned: a different upload under the same version stops the run.
CENTERNET_JSON_SHA256="bfb942eaacc5becf738d536663bc4580a0ae9e560722306e6d4dd7fe4a09de05"
CENTERNET_BIN_SHA256="1b635a15009071f506f9f2b3519b31c072c534888989f30d269ffd44734ef7ef"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PYTHON="${BOIG_PYTHON:-/usr/bin/python3}"
ARTIFACT="$ROOT/models/artifacts/coco-centernet"
PHOTOS="$ROOT/tests/fixtures/photos"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/convert-centernet.XXXXXX")"
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

if [[ "${1:-}" == "photos" ]]; then
  echo "== downloading python3-skimage and darknet (.deb, not installed) =="
  # apt warns that it downloads "unsandboxed as root" into a root-only temp folder: harmless.
  (cd "$TMP" && apt-get download "${PHOTO_DEBS[@]}")
  for deb in "$TMP"/*.deb; do dpkg-deb -x "$deb" "$TMP/root"; done
  node "$HERE/prepare-photos.mjs" "$TMP/root" "$PHOTOS"
  exit 0
fi

echo "== npm pack @vladmandic/human@$HUMAN_VERSION =="
(cd "$TMP" && npm pack --silent "@vladmandic/human@$HUMAN_VERSION" >/dev/null)
tar -xzf "$TMP/vladmandic-human-$HUMAN_VERSION.tgz" -C "$TMP"
HUMAN="$TMP/package"
check_sha "$HUMAN/models/centernet.json" "$CENTERNET_JSON_SHA256"
check_sha "$HUMAN/models/centernet.bin" "$CENTERNET_BIN_SHA256"

echo "== npm install @tensorflow/tfjs@$TFJS_VERSION (temporary prefix, pure JS CPU backend) =="
mkdir -p "$TMP/tfjs"
echo '{ "name": "convert-centernet-tfjs", "private": true }' >"$TMP/tfjs/package.json"
npm install --prefix "$TMP/tfjs" --no-audit --no-fund --ignore-scripts --loglevel=error "@tensorflow/tfjs@$TFJS_VERSION" >/dev/null

echo "== convert TF.js graph -> ONNX =="
mkdir -p "$ARTIFACT"
"$PYTHON" "$HERE/convert.py" "$HUMAN/models/centernet.json" "$ARTIFACT/model.onnx"

echo "== verify against tfjs, write golden.json + manifest.json =="
# tfjs prints a hint per execution that the model has no control flow; drop that noise.
node "$HERE/verify.mjs" \
  --human "$HUMAN" \
  --tfjs "$TMP/tfjs" \
  --artifact "$ARTIFACT" \
  --photos "$PHOTOS" \
  --command "bash scripts/convert-centernet/run.sh" \
  2> >(grep -v -e "did not contain any nodes with control flow" -e "tfjs-node" -e "^====" -e "^Hi, looks like" >&2)
ls -l "$ARTIFACT"
