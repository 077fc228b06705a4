#!/usr/bin/env bash
# Installs the Debian/Ubuntu system packages vae-didatico needs:
#  - build tools + cairo/pango/jpeg/gif/rsvg headers, to compile `canvas` (no prebuilt binary offline);
#  - Jupyter (classic notebook + nbconvert + ipykernel) to run the tslab kernel and export HTML;
#  - dataset-fashion-mnist (/usr/share/datasets/fashion-mnist);
#  - chromium, for the browser tests (playwright-core drives it; no browser is downloaded);
#  - libopenblas0-pthread: the system BLAS that the wasm backend's convolutions run on (the fast
#    path, loaded through koffi; without it the wasm kernels run and the backend line says why);
#  - python3-torch (CPU), the reference peer of `npm run bench` (optional: --no-torch skips it).
# Usage: sudo scripts/install-system-deps.sh [--no-torch] [--no-browser]
set -euo pipefail

with_torch=1
with_browser=1
for arg in "$@"; do
  case "$arg" in
    --no-torch) with_torch=0 ;;
    --no-browser) with_browser=0 ;;
    *) echo "opção desconhecida: $arg" >&2; exit 2 ;;
  esac
done

packages=(
  build-essential pkg-config
  libcairo2-dev libpango1.0-dev libjpeg-dev libgif-dev librsvg2-dev
  jupyter-notebook jupyter-nbconvert python3-ipykernel
  dataset-fashion-mnist
  libopenblas0-pthread
)
[ "$with_browser" = 1 ] && packages+=(chromium)
# (OpenBLAS above also keeps Debian's torch off the reference BLAS, ~5x slower: an unfair peer.)
[ "$with_torch" = 1 ] && packages+=(python3-torch)

sudo_cmd=()
if [ "$(id -u)" != 0 ]; then sudo_cmd=(sudo); fi

export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}"
echo "Pacotes do sistema instalados: ${packages[*]}"
