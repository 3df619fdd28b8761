#!/usr/bin/env bash
# Builds the Node binding and tests it: installs the npm dev dependencies (@napi-rs/cli,
# GrowthBook's JS SDK, express), builds the addon with napi, fails if the committed generated
# files (index.d.ts, index.js) differ from what the build generated, then runs node's built-in
# test runner over test/ and the Express example's tests. Exits non-zero on any failure,
# including a run in which no test ran.
#
#   craic-node/scripts/test.sh                       # release build (what users get)
#   CRAIC_NODE_PROFILE=dev craic-node/scripts/test.sh  # faster build while iterating
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "node $(node --version), npm $(npm --version)"
step "npm ci"
npm ci --no-audit --no-fund --loglevel=error

step "napi build (${CRAIC_NODE_PROFILE:-release})"
if [ "${CRAIC_NODE_PROFILE:-release}" = dev ]; then
  npm run --silent build:debug
else
  npm run --silent build
fi

step "generated files match the committed ones"
if ! git diff --exit-code -- index.d.ts index.js; then
  echo "index.d.ts / index.js differ from what napi generated: commit the regenerated files" >&2
  exit 1
fi

# node --test in a folder; fails on a failing test and on a run in which no test ran. Adds the
# number of passed tests to $total.
total=0
run_node_tests() {
  local dir=$1 log status passed
  log=$(mktemp)
  set +e
  (cd "$dir" && node --test --test-reporter=spec) 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  set -e
  passed=$(grep -Eo '^ℹ pass [0-9]+' "$log" | awk '{print $3}')
  rm -f "$log"
  if [ "$status" -ne 0 ]; then
    exit "$status"
  fi
  if [ "${passed:-0}" -eq 0 ]; then
    echo "no Node test ran in $dir" >&2
    exit 1
  fi
  total=$((total + passed))
}

step "node --test (craic-node/test)"
run_node_tests .

step "the Express example (examples/express_app): npm ci, node --test"
(cd ../examples/express_app && npm ci --no-audit --no-fund --loglevel=error)
run_node_tests ../examples/express_app
echo "node: $total tests passed"
