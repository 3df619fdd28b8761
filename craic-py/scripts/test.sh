#!/usr/bin/env bash
# Builds the Python binding into a venv and tests it: pytest (the binding's tests, then the
# FastAPI example's in examples/fastapi_app/), then mypy's stubtest (the .pyi stubs must match
# the compiled module) and mypy --strict on both test suites. Exits non-zero on any failure,
# including a pytest run that collected no tests (exit code 5).
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

step "pip install maturin"
python -m pip install --quiet --disable-pip-version-check maturin

# The test dependencies are the `test` extra of pyproject.toml (one list, also what
# `pip install './craic-py[test]'` installs): maturin installs them with the module.
step "maturin develop --extras test (${CRAIC_PY_PROFILE:-release})"
if [ "${CRAIC_PY_PROFILE:-release}" = dev ]; then
  maturin develop --extras test
else
  maturin develop --extras test --release
fi

# pytest, failing on a run that collected no tests (exit code 5).
run_pytest() {
  set +e
  python -m pytest -q "$@"
  local status=$?
  set -e
  if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests in $*" >&2
    exit 1
  elif [ "$status" -ne 0 ]; then
    exit "$status"
  fi
}

step "pytest"
run_pytest tests

step "pytest: the FastAPI example (examples/fastapi_app)"
(cd .. && run_pytest -p no:cacheprovider examples/fastapi_app)

step "stubtest (stubs match the compiled module)"
python -m mypy.stubtest craic  # the package and its submodules, _craic included

step "mypy on the tests and the FastAPI example (the stubs type-check real use)"
python -m mypy --strict --ignore-missing-imports tests
(cd .. && python -m mypy --strict --ignore-missing-imports examples/fastapi_app)
