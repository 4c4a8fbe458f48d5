#!/usr/bin/env bash
# A simulated two-node Ray cluster on one machine, and a suite run on it.
#
#   bash benchmarks/ray_two_nodes.sh [SUITE] [ganbench run options...]
#   bash benchmarks/ray_two_nodes.sh suites/quick.toml --ray-storage driver --vectorize off
#   KILL_SECOND_NODE=20 bash benchmarks/ray_two_nodes.sh suites/mixtures.toml --ray-storage driver
#
# With KILL_SECOND_NODE=S, the second node's raylet is killed (SIGKILL) S seconds after two
# trials have written checkpoints: its workers die with it, Ray marks the node dead and reruns its tasks on the head,
# and the trials resume from their last checkpoints ("resuming from step N").
# Starts a head (`ray start --head`, 1 CPU, custom resource head_node) and a second node
# (`ray start --address`, 1 CPU, custom resource second_node): two raylets, two node ids,
# on one machine. Runs the suite with --executor ray --ray-address on it and counts the
# trials per node from the progress lines. Every Ray process it started is stopped at the
# end by process id (those naming its own RAY_TMPDIR, and their children): never
# `ray stop`, which stops every Ray process of the user on the machine.
set -euo pipefail
suite=${1:-suites/quick.toml}
shift || true
port=${PORT:-6390}
export RAY_TMPDIR=$(mktemp -d /tmp/gb2n-XXXX)  # short: Ray's socket paths live under it
export RAY_AUTH_MODE=token RAY_USAGE_STATS_ENABLED=0
out=${OUT:-$(mktemp -d /tmp/gb2n-out-XXXX)}  # OUT=DIR keeps the results there
keep=${OUT:+1}

stop_cluster() {
    local roots pids
    roots=$(pgrep -f -- "$RAY_TMPDIR" || true)
    pids="$roots"
    for r in $roots; do pids="$pids $(pgrep -P "$r" || true)"; done
    [ -n "${pids// /}" ] && kill -TERM $pids 2>/dev/null || true
    sleep 2
    [ -n "${pids// /}" ] && kill -KILL $pids 2>/dev/null || true
    rm -rf "$RAY_TMPDIR"
    [ -n "$keep" ] || rm -rf "$out"
}
trap stop_cluster EXIT

t0=$(date +%s.%N)
ray start --head --port "$port" --num-cpus 1 --resources '{"head_node": 1}' \
    --include-dashboard=false --disable-usage-stats >/dev/null
ray start --address "127.0.0.1:$port" --num-cpus 1 --resources '{"second_node": 1}' \
    --disable-usage-stats >/dev/null
t1=$(date +%s.%N)
printf "cluster up in %.1f s:\n" "$(echo "$t1 - $t0" | bc)"
python - "$port" <<'EOF'
import sys, ray
ray.init(address=f"127.0.0.1:{sys.argv[1]}", logging_level="error")
for n in ray.nodes():
    custom = {k: v for k, v in n["Resources"].items() if k in ("head_node", "second_node", "CPU")}
    print(f"  node {n['NodeID'][:8]} at {n['NodeManagerAddress']}: {custom}")
EOF
t2=$(date +%s.%N)
mkdir -p "$out"
ganbench run "$suite" --executor ray --ray-address "127.0.0.1:$port" --out "$out" "$@" >"$out/stdout.txt" 2>"$out/stderr.txt" &
run=$!
if [ -n "${KILL_SECOND_NODE:-}" ]; then
    until [ "$(find "$out" -name checkpoint.pt | wc -l)" -ge 2 ]; do sleep 0.2; done  # both nodes training
    sleep "$KILL_SECOND_NODE"
    raylet=$(pgrep -f -- "raylet/raylet .*$RAY_TMPDIR.*second_node")
    echo "killing the second node's raylet (pid $raylet) ${KILL_SECOND_NODE} s after both nodes' first checkpoints"
    kill -KILL "$raylet"
fi
status=0
wait "$run" || status=$?
t3=$(date +%s.%N)
echo "ganbench run exited with status $status"
grep -E '^ray: |^running |resuming|died|retries|^\[[0-9]+/[0-9]+\]' "$out/stderr.txt" | cut -c1-160
echo "trials per node:"
grep -oE ' on [0-9.]+ \([0-9a-f]{8}\)' "$out/stderr.txt" | sort | uniq -c
grep -E 'trials run in' "$out/stdout.txt"
printf "ganbench run took %.1f s (load average %s on %s cores, other work included)\n" "$(echo "$t3 - $t2" | bc)" "$(cut -d' ' -f1 /proc/loadavg)" "$(nproc)"
