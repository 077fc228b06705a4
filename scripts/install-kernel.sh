#!/usr/bin/env bash
# Registers the tslab (TypeScript) Jupyter kernel. The kernel starts with `npx --no tslab`, so it
# runs the tslab of whichever project the notebook lives in (here, this project's node_modules,
# with the same TypeScript and packages as `npm test`), and the registration survives moving
# or cloning the project.
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
if [ ! -x node_modules/.bin/tslab ]; then
  echo "tslab não está em node_modules: rode npm ci antes." >&2
  exit 1
fi
"$python" - <<'PY'
import json, os, tempfile
from jupyter_client.kernelspec import KernelSpecManager
user = os.geteuid() != 0
with tempfile.TemporaryDirectory() as td:
    os.chmod(td, 0o755)
    with open(os.path.join(td, "kernel.json"), "w") as f:
        json.dump({
            "argv": ["npx", "--no", "tslab", "kernel", "--config-path", "{connection_file}"],
            "display_name": "TypeScript",
            "language": "typescript",
        }, f, indent=1)
    where = KernelSpecManager().install_kernel_spec(td, "tslab", user=user)
print("Kernel TypeScript (tslab) registrado em", where)
PY
