#!/usr/bin/env bash
# A local Cairn cluster on loopback, for trying things out.
#
#   scripts/cluster.sh [-n NODES] [-p BASE_PORT] [-d DIR] start|stop|restart|status|logs [node]|test
#
# Node i (1-based) serves RESP on BASE_PORT+i-1 (default 7001…), HTTP on that port + 1000 (8001…), gRPC on
# that port + 2000 (9001…) and talks to its peers on that port + 10000 (17001…); its data lives in
# DIR/node<i> (default ./cluster) and its log in DIR/node<i>.log.
# Node 1 bootstraps the cluster; the others join through node 1. Restarting keeps the data. Peers prove they
# hold the cluster secret in DIR/cluster.secret, made (random) on the first start and passed to every node.
set -euo pipefail
cd "$(dirname "$0")/.."

nodes=3
base=7001
dir=${CAIRN_CLUSTER_DIR:-./cluster}
while getopts "n:p:d:h" opt; do
    case $opt in
        n) nodes=$OPTARG ;;
        p) base=$OPTARG ;;
        d) dir=$OPTARG ;;
        *) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
command=${1:-}
[[ $command ]] || { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
dll=src/Cairn.Host/bin/Release/net10.0/cairn-server.dll

port_of() { echo $((base + $1 - 1)); }
raft_of() { echo $((base + $1 - 1 + 10000)); }
http_of() { echo $((base + $1 - 1 + 1000)); }
grpc_of() { echo $((base + $1 - 1 + 2000)); }
pid_of() { [[ -f $dir/node$1.pid ]] && kill -0 "$(cat "$dir/node$1.pid")" 2>/dev/null && cat "$dir/node$1.pid"; }

# Sends one command (its words as arguments) to a RESP port and prints the raw reply (needs only bash).
resp() {
    local port=$1; shift
    local request="*$#\r\n" word
    for word in "$@"; do request+="\$${#word}\r\n$word\r\n"; done
    exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
    printf "$request" >&3
    timeout 2 cat <&3 2>/dev/null | head -c 65536 &
    local reader=$!
    sleep 0.2
    exec 3>&-
    wait $reader 2>/dev/null || true
}

field() { tr -d '\r' | awk -F: -v f="$1" '$1 == f { print $2; exit }'; }

build() {
    if [[ ! -f $dll || -n $(find src -newer "$dll" -name '*.cs' -print -quit) ]]; then
        echo "building cairn-server…"
        dotnet build src/Cairn.Host -c Release -v quiet -nologo >/dev/null
    fi
}

start_node() {
    local i=$1 args
    if pid=$(pid_of "$i"); then echo "node$i already running (pid $pid)"; return; fi
    if [[ ! -s $dir/cluster.secret ]]; then
        (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$dir/cluster.secret")
    fi
    args=(--node-id "node$i" --port "$(port_of "$i")" --raft-addr "127.0.0.1:$(raft_of "$i")" --http-port "$(http_of "$i")" --grpc-port "$(grpc_of "$i")" --data-dir "$dir/node$i" --cluster-secret-file "$dir/cluster.secret")
    if ((i == 1)); then args+=(--bootstrap); else args+=(--join "127.0.0.1:$(raft_of 1)"); fi
    nohup dotnet "$dll" "${args[@]}" >>"$dir/node$i.log" 2>&1 &
    echo $! >"$dir/node$i.pid"
    echo "node$i: pid $!, RESP 127.0.0.1:$(port_of "$i"), HTTP 127.0.0.1:$(http_of "$i"), gRPC 127.0.0.1:$(grpc_of "$i"), raft 127.0.0.1:$(raft_of "$i"), data $dir/node$i, log $dir/node$i.log"
}

wait_ready() {
    local i deadline=$((SECONDS + 30))
    for ((i = 1; i <= nodes; i++)); do
        until resp "$(port_of "$i")" PING 2>/dev/null | grep -q PONG; do
            ((SECONDS < deadline)) || { echo "node$i did not come up; see $dir/node$i.log" >&2; return 1; }
            sleep 0.2
        done
    done
}

stop_node() {
    local i=$1 pid
    if pid=$(pid_of "$i"); then
        kill "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
        echo "node$i stopped (pid $pid)"
    fi
    rm -f "$dir/node$i.pid"
}

status() {
    printf "%-6s %-8s %-6s %-13s %-6s %-8s %-8s\n" node pid resp role term commit applied
    local i pid info
    for ((i = 1; i <= nodes; i++)); do
        pid=$(pid_of "$i") || pid=-
        info=$( [[ $pid != - ]] && resp "$(port_of "$i")" RAFT.INFO 2>/dev/null || true)
        printf "%-6s %-8s %-6s %-13s %-6s %-8s %-8s\n" "node$i" "$pid" "$(port_of "$i")" \
            "$(field role <<<"$info")" "$(field current_term <<<"$info")" "$(field commit_index <<<"$info")" "$(field last_applied_index <<<"$info")"
    done
}

smoke_test() {
    local i value deadline
    for ((i = 1; i <= nodes; i++)); do
        resp "$(port_of "$i")" SET "cluster-test:$i" "value-$i" | grep -q '^+OK' || { echo "SET on node$i failed" >&2; return 1; }
    done
    for ((i = 1; i <= nodes; i++)); do
        for ((j = 1; j <= nodes; j++)); do
            value=$(resp "$(port_of "$i")" GET "cluster-test:$j" | tr -d '\r' | sed -n 2p)
            [[ $value == "value-$j" ]] || { echo "GET cluster-test:$j on node$i returned '$value'" >&2; return 1; }
        done
    done
    echo "ok: writes on every node are read back on every node"
}

case $command in
    start)
        build
        start_node 1
        wait_ready_one() { local deadline=$((SECONDS + 30)); until resp "$(port_of 1)" PING 2>/dev/null | grep -q PONG; do ((SECONDS < deadline)) || return 1; sleep 0.2; done; }
        wait_ready_one || { echo "node1 did not come up; see $dir/node1.log" >&2; exit 1; }
        for ((i = 2; i <= nodes; i++)); do start_node "$i"; done
        wait_ready
        deadline=$((SECONDS + 60))
        until [[ $(resp "$(port_of 1)" RAFT.INFO | field num_voting_nodes) == "$nodes" ]]; do
            ((SECONDS < deadline)) || { echo "not every node became a voter; see the logs in $dir" >&2; status; exit 1; }
            sleep 0.3
        done
        status
        ;;
    stop) for ((i = nodes; i >= 1; i--)); do stop_node "$i"; done ;;
    restart)
        for ((i = nodes; i >= 1; i--)); do stop_node "$i"; done
        build
        for ((i = 1; i <= nodes; i++)); do start_node "$i"; done
        wait_ready
        status
        ;;
    status) status ;;
    logs)
        if [[ -n ${2:-} ]]; then tail -n 100 -f "$dir/node${2#node}.log"; else tail -n 20 "$dir"/node*.log; fi
        ;;
    test)
        running=0
        for ((i = 1; i <= nodes; i++)); do pid_of "$i" >/dev/null && running=$((running + 1)); done
        ((running == nodes)) || "$0" -n "$nodes" -p "$base" -d "$dir" start
        smoke_test
        ;;
    *) echo "unknown command '$command'" >&2; exit 2 ;;
esac
