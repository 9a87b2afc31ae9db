#!/usr/bin/env bash
# A/B two builds of Cairn on a 3-node cluster, the way the figures in docs/benchmarks.md were taken:
# rounds alternate the builds (this machine's speed drifts by the minute), each run on a fresh cluster
# started by scripts/cluster.sh, warmed, then one redis-benchmark per cell (-c 50 -d 100 -r 100000,
# client on the leader). Per run it prints requests/s, p50/p99, and per request the CPU µs and context
# switches of the client and of each node (from /proc), and each node's GC pause.
#   bench/ab.sh HEAD~1 HEAD                          # two revisions (built in temporary worktrees)
#   ROUNDS=5 TESTS="set get" PIPELINES="1 16" bench/ab.sh main my-branch
#   ENV_B="DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1" bench/ab.sh HEAD HEAD   # one build, two settings
#   CLIENT_ON=follower TESTS=set bench/ab.sh main HEAD  # the client on a follower: every write forwarded
# N requests per cell at -P 1 (3×N at higher pipelines); the set cell runs first, so get reads stored keys.
set -euo pipefail
[[ $# == 2 ]] || { sed -n 2,9p "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
cd "$(dirname "$0")/.."
repo=$PWD
ROUNDS=${ROUNDS:-3}
N=${N:-100000}
TESTS=${TESTS:-set}
PIPELINES=${PIPELINES:-1 16}
ENV_A=${ENV_A:-}
ENV_B=${ENV_B:-}
command -v redis-benchmark >/dev/null || { echo "bench/ab.sh: needs redis-benchmark (apt-get install redis-tools)" >&2; exit 1; }

work=$(mktemp -d)
trees=()
cluster_dir=""
cleanup() {
  if [[ -n $cluster_dir ]]; then "$repo/scripts/cluster.sh" -p "$base" -d "$cluster_dir" stop >/dev/null 2>&1 || true; fi
  for tree in "${trees[@]}"; do git -C "$repo" worktree remove --force "$tree" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# A base port with RESP, HTTP (+1000), gRPC (+2000) and peer (+10000) ports free for 3 nodes.
base=$(python3 - <<'EOF'
import random, socket
for _ in range(200):
    base = random.randrange(20000, 30000)
    try:
        for port in [base + i + off for i in range(3) for off in (0, 1000, 2000, 10000)]:
            s = socket.socket(); s.bind(("127.0.0.1", port)); s.close()
        print(base); break
    except OSError:
        pass
EOF
)

for side in A B; do
  rev=$([[ $side == A ]] && echo "$1" || echo "$2")
  tree=$work/$side
  git -C "$repo" worktree add --detach "$tree" "$rev" >/dev/null 2>&1
  trees+=("$tree")
  echo "building $side = $rev ($(git -C "$tree" log --oneline -1))" >&2
  dotnet build "$tree/src/Cairn.Host" -c Release -v quiet -nologo >/dev/null
done

tick=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { s += $2 } END { print s }'; }
gc_ms() { redis-cli -p "$1" INFO memory | tr -d '\r' | awk -F: '$1 == "cairn_gc_pause_total_ms" { print $2 }'; }

for round in $(seq "$ROUNDS"); do
  for side in A B; do
    tree=$work/$side
    env_vars=$([[ $side == A ]] && echo "$ENV_A" || echo "$ENV_B")
    cluster_dir=$work/cluster
    # shellcheck disable=SC2086 # ENV_A/ENV_B are lists of assignments
    env $env_vars "$tree/scripts/cluster.sh" -p "$base" -d "$cluster_dir" start >/dev/null
    leader=""
    for _ in $(seq 100); do
      leader=$("$tree/scripts/cluster.sh" -p "$base" -d "$cluster_dir" status 2>/dev/null | awk '$4 == "leader" { print substr($1, 5); exit }')
      [[ -n $leader ]] && break
      sleep 0.2
    done
    [[ -n $leader ]] || { echo "bench/ab.sh: no leader within 20 s (logs in $cluster_dir)" >&2; exit 1; }
    # CLIENT_ON=follower: the client talks to a follower, so every write is forwarded to the leader.
    target=$leader
    [[ ${CLIENT_ON:-leader} == follower ]] && target=$((leader % 3 + 1))
    resp=$((base + target - 1))
    nodes=("$(cat "$cluster_dir/node1.pid")" "$(cat "$cluster_dir/node2.pid")" "$(cat "$cluster_dir/node3.pid")")
    timeout 120 redis-benchmark -p "$resp" -t set -c 50 -d 100 -r 100000 -n 50000 -q >/dev/null 2>&1
    for test in $TESTS; do
      for pipeline in $PIPELINES; do
        n=$N; ((pipeline > 1)) && n=$((N * 3))
        declare -A cpu0=() cs0=() gc0=()
        for i in 0 1 2; do cpu0[$i]=$(cpu_ticks "${nodes[$i]}"); cs0[$i]=$(switches "${nodes[$i]}"); gc0[$i]=$(gc_ms $((base + i))); done
        out=$( { /usr/bin/time -f "client %U %S %c %w" timeout 300 redis-benchmark -p "$resp" -t "$test" -c 50 -d 100 -r 100000 -n "$n" -P "$pipeline" --precision 3 2>&1; } | tr '\r' '\n')
        rps=$(awk '/throughput summary/ { print $3 }' <<<"$out")
        lat=$(grep -A2 'latency summary' <<<"$out" | tail -1 | awk '{ print $3 "/" $5 }')
        client=$(awk -v n="$n" -v t="$tick" '/^client / { printf "client %.1fus/%.2fcs", ($2 + $3) * 1e6 / n, ($4 + $5) / n }' <<<"$out")
        line="r$round $side ${test^^} -P $pipeline leader=node$leader client=node$target  rps=${rps:-failed} p50/p99=${lat:-?}  $client"
        for i in 0 1 2; do
          line+=$(awk -v a="${cpu0[$i]}" -v b="$(cpu_ticks "${nodes[$i]}")" -v x="${cs0[$i]}" -v y="$(switches "${nodes[$i]}")" \
            -v g0="${gc0[$i]}" -v g1="$(gc_ms $((base + i)))" -v t="$tick" -v n="$n" -v k=$((i + 1)) \
            'BEGIN { printf "  node%d %.1fus/%.2fcs gc=%.0fms", k, (b - a) * 1e6 / t / n, (y - x) / n, g1 - g0 }')
        done
        echo "$line"
      done
    done
    "$tree/scripts/cluster.sh" -p "$base" -d "$cluster_dir" stop >/dev/null 2>&1
    rm -rf "$cluster_dir"
    cluster_dir=""
  done
done
