#!/usr/bin/env bash
# Installs the Debian packages the project needs, only those missing. Needs root (or sudo).
#   python3-torch python3-onnx python3-pytest python3-numpy python3-pil  the trainer (for /usr/bin/python3)
#   libopenblas0-pthread                        optimized BLAS for torch: Debian's torch links libblas.so.3, which is
#                                               otherwise the reference BLAS (measured 5.8 vs 133 GFLOP/s on a 512² matmul)
#   chromium                                    browser tests (playwright-core drives it)
#   postgresql                                  the Postgres-server test pass
set -euo pipefail
PACKAGES=(python3-torch python3-onnx python3-pytest python3-numpy python3-pil libopenblas0-pthread chromium postgresql)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
echo "Installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2 || true
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
