#!/usr/bin/env bash
# Cairn against redis-server in the same run, on the same machine, with the same redis-benchmark
# matrix: SET and GET, -c 50 -d 100 -r 100000, at -P 1 and -P 16. Prints a Markdown table with each
# Cairn figure as a ratio to its Redis baseline (SET vs appendfsync always, GET vs no persistence).
#   bench/run.sh            # one Cairn node; N=200000 requests per cell
#   bench/run.sh cluster    # a 3-node cluster (client on the leader), then failover times
#   N=500000 FAILOVERS=9 bench/run.sh cluster
#   TESTS=set PIPELINES=1 FAILOVERS=0 bench/run.sh cluster   # one cell, no failover rounds
#   TESTS=types bench/run.sh [cluster]   # SET, GET and redis-benchmark's tests of the data types (issue 20)
#   TESTS=pubsub bench/run.sh [cluster]  # publish rate, publish-to-receive and BLPOP wake-up latency (issue 21)
set -euo pipefail
MODE=${1:-single}
FAILOVERS=${FAILOVERS:-5}
case $MODE in single|cluster) ;; *) echo "usage: bench/run.sh [single|cluster]" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."
N=${N:-200000}
CLIENTS=${CLIENTS:-50}
TESTS=${TESTS:-set get}
[ "$TESTS" = types ] && TESTS="set get lpush rpush lpop rpop sadd hset spop zadd zpopmin lrange_100 lrange_600"
PIPELINES=${PIPELINES:-1 16}

if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools >/dev/null
  else
    echo "bench: needs redis-server and redis-benchmark (apt-get install redis-server redis-tools)" >&2
    exit 1
  fi
fi

dotnet build src/Cairn.Host -c Release -v quiet -nologo >/dev/null
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
wait_ready() {
  for _ in $(seq 1 300); do
    redis-cli -p "$1" PING 2>/dev/null | grep -q PONG && return 0
    sleep 0.1
  done
  echo "bench: server on port $1 did not start" >&2
  exit 1
}

dll=src/Cairn.Host/bin/Release/net10.0/cairn-server.dll
field() { tr -d '\r' | awk -F: -v f="$1" '$1 == f { print $2; exit }'; }

# Cluster node i: RESP port resp_ports[i], peer port raft_ports[i], pid node_pids[i]; node 1 bootstraps.
declare -a resp_ports raft_ports node_pids
start_node() {
  local i=$1 args
  args=(--node-id "node$i" --port "${resp_ports[$i]}" --raft-addr "127.0.0.1:${raft_ports[$i]}" --http-port 0 --grpc-port 0 --data-dir "$work/node$i" --log-level warn)
  if ((i == 1)); then args+=(--bootstrap); else args+=(--join "127.0.0.1:${raft_ports[1]}"); fi
  dotnet exec "$dll" "${args[@]}" >>"$work/node$i.log" 2>&1 &
  node_pids[$i]=$!
  pids+=($!)
  disown "$!" # the failover rounds kill -9 nodes: no job notices for those

}
leader_index() {
  local i
  for i in 1 2 3; do
    if redis-cli -p "${resp_ports[$i]}" RAFT.INFO 2>/dev/null | field role | grep -qx leader; then echo "$i"; return 0; fi
  done
  return 1
}
wait_for() { # wait_for SECONDS what command...
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || { echo "bench: timed out waiting for $what" >&2; exit 1; }
    sleep 0.1
  done
}
caught_up() { # node $1 has applied what the leader $2 has committed
  local commit applied
  commit=$(redis-cli -p "${resp_ports[$2]}" RAFT.INFO | field commit_index)
  applied=$(redis-cli -p "${resp_ports[$1]}" RAFT.INFO | field last_applied_index)
  [ -n "$applied" ] && [ "$applied" -ge "$commit" ]
}

if [ "$MODE" = single ]; then
  cairn_port=$(free_port)
  dotnet exec "$dll" --port "$cairn_port" --raft-addr 127.0.0.1:0 --http-port 0 --grpc-port 0 --data-dir "$work/cairn" --log-level warn >"$work/cairn.log" 2>&1 &
  pids+=($!)
else
  for i in 1 2 3; do resp_ports[$i]=$(free_port); raft_ports[$i]=$(free_port); done
  start_node 1
  wait_ready "${resp_ports[1]}"
  start_node 2
  start_node 3
  wait_for 60 "3 voters" sh -c "redis-cli -p ${resp_ports[1]} RAFT.INFO | tr -d '\r' | grep -qx num_voting_nodes:3"
  wait_for 30 "a leader" leader_index
  cairn_port=${resp_ports[$(leader_index)]}
fi
always_port=$(free_port)
mkdir -p "$work/always" "$work/memory"
redis-server --port "$always_port" --bind 127.0.0.1 --save '' --appendonly yes --appendfsync always --dir "$work/always" --daemonize no >"$work/always.log" 2>&1 &
pids+=($!)
memory_port=$(free_port)
redis-server --port "$memory_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work/memory" --daemonize no >"$work/memory.log" 2>&1 &
pids+=($!)
wait_ready "$cairn_port"
wait_ready "$always_port"
wait_ready "$memory_port"

# Prints "rps p50 p99" for one test on one server.
measure() {
  local port=$1 test=$2 pipeline=$3
  redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -d 100 -r 100000 -n "$N" -P "$pipeline" -t "$test" --csv -q 2>/dev/null \
    | awk -F'","' -v t="${test^^}" 'index($1, t) { print $2, $5, $7 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

if [ "$TESTS" = pubsub ]; then
  # Issue 21: pub/sub and blocking pops, Cairn vs redis-server (no persistence) in the same run. On a cluster the
  # publisher and the pusher are on the leader, the subscriber and the blocked client on a follower.
  dotnet build bench/Cairn.PubSub.Bench -c Release -v quiet -nologo >/dev/null
  tool=bench/Cairn.PubSub.Bench/bin/Release/net10.0/Cairn.PubSub.Bench
  receive_port=$cairn_port
  if [ "$MODE" = cluster ]; then receive_port=${resp_ports[$(( $(leader_index) % 3 + 1 ))]}; fi
  M=${M:-2000}
  read -r c_pub c_e50 c_e99 c_pipe c_b50 c_b99 <<<"$($tool "$cairn_port" "$receive_port" "$M")"
  read -r r_pub r_e50 r_e99 r_pipe r_b50 r_b99 <<<"$($tool "$memory_port" "$memory_port" "$M")"
  if [ "$MODE" = cluster ]; then what="3-node Cairn cluster (publish on the leader, receive on a follower)"; else what="Cairn (one node)"; fi
  echo "# Pub/sub and BLPOP: $what vs redis-server — $(date -u +%Y-%m-%d) — $(nproc) cores"
  echo
  echo "bench/Cairn.PubSub.Bench, $M messages: PUBLISH one at a time until received (send to receipt), 16 at a time"
  echo "until all received, and a BLPOP woken by an RPUSH (push sent to BLPOP's reply), $(( M / 10 )) times."
  echo
  echo "| measure | Cairn | Redis | ratio |"
  echo "|---|---|---|---|"
  echo "| PUBLISH one at a time, rps | $c_pub | $r_pub | $(ratio "$c_pub" "$r_pub")× |"
  echo "| publish → receive p50 / p99, ms | $c_e50 / $c_e99 | $r_e50 / $r_e99 | |"
  echo "| PUBLISH 16 at a time, messages/s received | $c_pipe | $r_pipe | $(ratio "$c_pipe" "$r_pipe")× |"
  echo "| RPUSH → BLPOP reply p50 / p99, ms | $c_b50 / $c_b99 | $r_b50 / $r_b99 | |"
  exit 0
fi

if [ "$MODE" = cluster ]; then what="3-node Cairn cluster (client on the leader)"; else what="Cairn (one node)"; fi
echo "# $what vs redis-server — $(date -u +%Y-%m-%d) — $(nproc) cores, $(uname -m)"
echo
echo "redis-benchmark -c $CLIENTS -d 100 -r 100000 -n $N; rps = requests/s, latencies in ms (p50 / p99)."
echo
echo "Writes are compared with redis-server --appendfsync always, reads (GET, LRANGE) with redis-server without"
echo "persistence; the last column is each write's rps over Cairn's own SET figure at the same pipeline depth."
echo
echo "| test | pipeline | Cairn rps | Cairn p50/p99 | Redis baseline | Redis rps | Redis p50/p99 | ratio | × Cairn SET |"
echo "|---|---|---|---|---|---|---|---|---|"
for pipeline in $PIPELINES; do
  # Warm the key space and the JIT once per pipeline depth, then measure.
  redis-benchmark -h 127.0.0.1 -p "$cairn_port" -c "$CLIENTS" -d 100 -r 100000 -n 20000 -P "$pipeline" -t set,get -q >/dev/null 2>&1
  redis-benchmark -h 127.0.0.1 -p "$memory_port" -c "$CLIENTS" -d 100 -r 100000 -n 20000 -P "$pipeline" -t set -q >/dev/null 2>&1
  set_rps=
  for test in $TESTS; do
    case $test in
      get|lrange_*) baseline_port=$memory_port; baseline="no persistence"; write=0 ;;
      *) baseline_port=$always_port; baseline="appendfsync always"; write=1 ;;
    esac
    read -r c_rps c_p50 c_p99 <<<"$(measure "$cairn_port" "$test" "$pipeline")"
    read -r r_rps r_p50 r_p99 <<<"$(measure "$baseline_port" "$test" "$pipeline")"
    [ "$test" = set ] && set_rps=$c_rps
    own=""
    if ((write)) && [ -n "$set_rps" ] && [ "$test" != set ]; then own="$(ratio "$c_rps" "$set_rps")×"; fi
    echo "| ${test^^} | $pipeline | $c_rps | $c_p50 / $c_p99 | $baseline | $r_rps | $r_p50 / $r_p99 | $(ratio "$c_rps" "$r_rps")× | $own |"
  done
done
echo
echo "Cairn group commit: $(redis-cli -p "$cairn_port" INFO persistence | tr -d '\r' | grep -E '^cairn_(write_batches|write_commands|avg_batch_size):' | tr '\n' ' ')"

[ "$MODE" = cluster ] && ((FAILOVERS > 0)) || exit 0
# Failover: kill -9 the leader, then time until a SET through a surviving node succeeds (it waits for
# the new leader, or is retried when it fails). The killed node restarts and catches up before the next round.
echo
times=()
for round in $(seq 1 "$FAILOVERS"); do
  old=$(leader_index)
  survivor=$(( old % 3 + 1 ))
  start=$(date +%s%N)
  kill -9 "${node_pids[$old]}"
  until redis-cli -p "${resp_ports[$survivor]}" SET "failover:$round" x 2>/dev/null | grep -qx OK; do :; done
  times+=($(( ($(date +%s%N) - start) / 1000000 )))
  start_node "$old"
  wait_ready "${resp_ports[$old]}"
  wait_for 30 "a leader" leader_index
  wait_for 60 "node$old catching up" caught_up "$old" "$(leader_index)"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }')
echo "Failover (kill -9 of the leader to the first acknowledged SET), $FAILOVERS rounds: ${times[*]} ms; median $median ms"
