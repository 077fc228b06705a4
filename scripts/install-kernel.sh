#!/usr/bin/env bash
# Registers the tslab (TypeScript) Jupyter kernel, pointing at this project's own tslab, so
# notebooks run with the same TypeScript and packages as `npm test`.
# Usage: scripts/install-kernel.sh [python]   (default: the python3 that has Jupyter)
set -euo pipefail
cd "$(dirname "$0")/.."
python="${1:-}"
if [ -z "$python" ]; then
  for candidate in /usr/bin/python3 python3; do
    if "$candidate" -c "import jupyter_client" 2>/dev/null; then python="$candidate"; break; fi
  done
fi
if [ -z "$python" ]; then
  echo "Não encontrei um python3 com Jupyter (jupyter_client). Instale jupyter-notebook/nbconvert (scripts/install-system-deps.sh) ou passe o python." >&2
  exit 1
fi
user_flag=()
[ "$(id -u)" != 0 ] && user_flag=(--user)
node_modules/.bin/tslab install --python="$python" --binary="$PWD/node_modules/.bin/tslab" "${user_flag[@]}"
"$python" -c "from jupyter_client.kernelspec import KernelSpecManager as K; print(\"Kernels Jupyter:\", K().find_kernel_specs())"
