#!/usr/bin/env bash
# Installs what grading needs on a fresh machine: Gradescope's image (Ubuntu 22.04, Python
# 3.10, as root) or this project's (Debian, Python 3.11). Safe to run twice.
#   bash setup.sh          run-time dependencies only (what Gradescope needs)
#   bash setup.sh --dev    plus what the project's own tests need
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ -f "$here/source/requirements.txt" ] && here="$here/source"  # Gradescope: /autograder/source

python=python3
if ! "$python" -m pip --version >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq python3-pip >/dev/null
fi
export PIP_ROOT_USER_ACTION=ignore  # an option older pips (Ubuntu 22.04: pip 22.0) lack
pip_install=("$python" -m pip install --quiet --disable-pip-version-check)
# torch first and on its own, pinned: a resolver that sees torch unpinned takes a CUDA build.
# On Gradescope, PyTorch's CPU-only index spares the container gigabytes of CUDA libraries;
# here (and wherever that index is out of reach) PyPI's 2.13.0 is used. On Gradescope the
# OCR notebook's torchvision comes with it, the build of the same index (0.28.0 matches
# torch 2.13.0; a build of another index does not load: PyPI's is made for CUDA torch).
torch_pair=("torch==2.13.0" "torchvision==0.28.0")
if [ -d /autograder/source ] && ! "$python" -c "import torch, torchvision" 2>/dev/null; then
  if ! "${pip_install[@]}" "${torch_pair[@]}" --index-url https://download.pytorch.org/whl/cpu; then
    echo "setup.sh: PyTorch's CPU index is out of reach; falling back to PyPI's torch 2.13.0" \
         "(for Python 3.10 that is the CUDA build: gigabytes, and more memory per worker)" >&2
    "${pip_install[@]}" "${torch_pair[@]}"
  fi
else
  "${pip_install[@]}" "torch==2.13.0"
fi
"${pip_install[@]}" -r "$here/requirements.txt"
if [ "${1:-}" = "--dev" ]; then
  "${pip_install[@]}" -r "$here/requirements-dev.txt"
fi
# As root (Gradescope, CI): let the unprivileged grading worker run this Python.
(cd "$here" && "$python" -c "from autograder.engine.isolation import prepare_machine; prepare_machine()")
"$python" - <<'PY'
import hypothesis, numpy, torch
print(f"setup.sh: torch {torch.__version__}, numpy {numpy.__version__}, "
      f"hypothesis {hypothesis.__version__}")
PY
# Whatever torch was installed, a grading worker must load it under the assignment's limits,
# in the sandbox it will run in; an image where it cannot must never grade anyone.
if ! (cd "$here" && "$python" -m autograder preflight); then
  echo "setup.sh: FAILED: the grading worker cannot start or import torch on this image" \
       "(the cause is above); nothing would be graded. Fix the image and build it again." >&2
  exit 1
fi
# Grade the reference once, recording what every check draws: gradings replay it (half their
# time). This also proves that the reference gets full marks on this very image.
if ! (cd "$here" && "$python" -m autograder record); then
  echo "setup.sh: FAILED: the reference does not get full marks on this image (above)." >&2
  exit 1
fi
