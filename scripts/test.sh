#!/usr/bin/env bash
# Runs the whole test suite, as CI does. Needs redis-cli (Debian: redis-tools) for the redis-cli tests.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test Cairn.sln -c Release "$@" 2>&1 | tee "$log" || status=$?
# One summary line over all test assemblies, in the plain form CI tools read.
awk '/^(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log" | tr -d ','  | sed 's/ passed / passed, /; s/ failed / failed, /'
exit $status
