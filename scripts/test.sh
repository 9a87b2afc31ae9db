#!/usr/bin/env bash
# Runs the whole test suite, as CI does. Needs redis-cli and redis-server (Debian: redis-tools, redis-server)
# for the redis-cli tests and the differential test against Redis.
# Two rounds: every test but the chaos runs (test projects in parallel), then the seeded chaos runs
# (tests/Cairn.Chaos.Tests, category Chaos) on their own, so their load does not skew timing-sensitive tests.
# Extra arguments go to both rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test Cairn.sln -c Release --filter "Category!=Chaos" "$@" 2>&1 | tee "$log" || status=$?
dotnet test tests/Cairn.Chaos.Tests -c Release --no-build --filter "Category=Chaos" "$@" 2>&1 | tee -a "$log" || status=$?
# One summary line over all test assemblies, in the plain form CI tools read.
awk '/^(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log" | tr -d ','  | sed 's/ passed / passed, /; s/ failed / failed, /'
exit $status
