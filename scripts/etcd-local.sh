#!/usr/bin/env bash
# Starts a local three-member etcd 3.4 cluster (Debian's etcd-server) on 127.0.0.1 for
# side-by-side benchmarks: `npm run bench -- --target etcd --endpoints http://127.0.0.1:2379,...`.
# Client ports 2379/22379/32379, peers 2380/22380/32380, data under ${1:-/tmp/etcd-bench}.
# Ctrl-C stops all three.
set -euo pipefail
root="${1:-/tmp/etcd-bench}"
command -v etcd >/dev/null || { echo "etcd not found: apt-get install etcd-server" >&2; exit 1; }
mkdir -p "$root"
cluster="e1=http://127.0.0.1:2380,e2=http://127.0.0.1:22380,e3=http://127.0.0.1:32380"
pids=()
for spec in e1:2379:2380 e2:22379:22380 e3:32379:32380; do
  IFS=: read -r name cport pport <<<"$spec"
  etcd --name "$name" --data-dir "$root/$name" \
    --listen-client-urls "http://127.0.0.1:$cport" --advertise-client-urls "http://127.0.0.1:$cport" \
    --listen-peer-urls "http://127.0.0.1:$pport" --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
    --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token raftlock-bench \
    --log-level error >"$root/$name.log" 2>&1 &
  pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null; wait' INT TERM EXIT
echo "etcd: http://127.0.0.1:2379,http://127.0.0.1:22379,http://127.0.0.1:32379 (data $root)"
wait
