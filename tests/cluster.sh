#!/usr/bin/env bash
# Start a local Redis Cluster for the tests: 3 masters and 3 replicas on 127.0.0.1,
# ports BASE..BASE+5 (default 7000-7005), data under DIR (default /tmp/lc-cluster).
# Idempotent: a cluster already answering "cluster_state:ok" is left alone.
# Usage: tests/cluster.sh [BASE] [DIR]; then
#   LIVECOMMERCE_TEST_REDIS_CLUSTER_URL=redis://127.0.0.1:BASE/0
set -euo pipefail
base="${1:-7000}"
dir="${2:-/tmp/lc-cluster}"
ports=$(seq "$base" $((base + 5)))

if redis-cli -p "$base" cluster info 2>/dev/null | grep -q 'cluster_state:ok'; then
  echo "redis cluster on $base-$((base + 5)) already up"
  exit 0
fi
for port in $ports; do
  mkdir -p "$dir/$port"
  if ! redis-cli -p "$port" ping >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --dir "$dir/$port" \
      --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 \
      --save "" --appendonly no --logfile "$dir/$port/redis.log" --pidfile "$dir/$port/redis.pid" </dev/null
  fi
done
for port in $ports; do
  for _ in $(seq 1 50); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
done
# Nodes left over from an earlier, broken attempt forget it before the create.
for port in $ports; do
  if [ "$(redis-cli -p "$port" dbsize)" = "0" ]; then
    redis-cli -p "$port" cluster reset hard >/dev/null
  fi
done
nodes=$(for port in $ports; do printf '127.0.0.1:%s ' "$port"; done)
# shellcheck disable=SC2086
if ! redis-cli --cluster create $nodes --cluster-replicas 1 --cluster-yes </dev/null >"$dir/create.log" 2>&1; then
  cat "$dir/create.log" >&2
  for port in $ports; do tail -n 20 "$dir/$port/redis.log" >&2 || true; done
  exit 1
fi
for _ in $(seq 1 100); do
  redis-cli -p "$base" cluster info | grep -q 'cluster_state:ok' && break
  sleep 0.1
done
redis-cli -p "$base" cluster info | grep cluster_state
