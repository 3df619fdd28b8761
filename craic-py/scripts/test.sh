#!/usr/bin/env bash
# Builds the Python binding into a venv and tests it: pytest, then mypy's stubtest (the .pyi
# stubs must match the compiled module). Exits non-zero on any failure, including a pytest run
# that collected no tests (exit code 5).
#
#   craic-py/scripts/test.sh            # release build (what users get)
#   CRAIC_PY_PROFILE=dev craic-py/scripts/test.sh   # faster build while iterating
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

VENV=.venv
if [ ! -x "$VENV/bin/python" ]; then
  step "creating $VENV"
  python3 -m venv "$VENV"
fi
# shellcheck disable=SC1091
source "$VENV/bin/activate"

step "pip install maturin pytest mypy numpy scipy"
python -m pip install --quiet --disable-pip-version-check maturin pytest mypy numpy scipy

step "maturin develop (${CRAIC_PY_PROFILE:-release})"
if [ "${CRAIC_PY_PROFILE:-release}" = dev ]; then
  maturin develop
else
  maturin develop --release
fi

step "pytest"
set +e
python -m pytest -q tests
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
elif [ "$status" -ne 0 ]; then
  exit "$status"
fi

step "stubtest (stubs match the compiled module)"
python -m mypy.stubtest craic  # the package and its submodules, _craic included

step "mypy on the tests (the stubs type-check real use)"
python -m mypy --strict --ignore-missing-imports tests
