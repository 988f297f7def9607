#!/usr/bin/env bash
# Pushes per second with an async webhook, and whether every one is delivered.
#
# A gateway on a SQLite store (a WAL file, the embedded default) has one plaintext account with
# an async webhook for text messages, pointing at a bare HTTP server that answers 200. wrk
# (2 threads, 32 connections) sends signed, distinct text pushes for DURATION seconds; each one
# is de-duplicated and queued as a webhook job (durable, in SQLite) before it is answered. Then
# the script waits until the webhook workers have delivered every queued job, and prints:
# pushes/s answered, deliveries/s from the first push until the queue was empty, and the
# difference between pushes answered and deliveries made (0: nothing lost). Then the registry's
# side: subscribes recorded per second on SQLite and PostgreSQL (bench/registry.sh, with
# REGISTRY_FOLLOWERS followers, default 10000). Targets (issue 8): ≥ 5,000 pushes/s with nothing
# lost, ≥ 2,000 subscribes/s recorded.
#
# Usage: bench/webhooks.sh [DURATION_SECONDS]   (default 10)
# Set WXGATE_BENCH_BIN to a directory holding wxgate, bare-server and gen-requests to measure
# those binaries instead of building the release ones.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
messages=$((duration * 40000))
threads=2
connections=32

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is needed: apt-get install -y curl" >&2; exit 1; }
if [ -n "${WXGATE_BENCH_BIN:-}" ]; then
  bin=$WXGATE_BENCH_BIN
else
  cargo build --release -q -p wxgate -p wxgate-bench
  bin=${CARGO_TARGET_DIR:-target}/release
fi

work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
data=$(mktemp -d) # the SQLite file on disk, as in production
cleanup() { kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work" "$data"; }
trap cleanup EXIT

token=benchtoken
key=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG
app_id=wxbe4c000000000002
cat > "$work/wxgate.toml" <<TOML
[server]
listen = "127.0.0.1:18092"
[storage]
url = "sqlite://$data/state.db"
[[accounts]]
id = "plain"
app_id = "$app_id"
token = "$token"
mode = "plaintext"
[[accounts.webhooks]]
url = "http://127.0.0.1:18093/hook"
secret = "bench-webhook-secret"
events = ["text"]
mode = "async"
TOML

wait_up() { # port
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/healthz" && return; sleep 0.1; done
  echo "nothing answers on port $1" >&2; exit 1
}
metric() { # name{labels} — its value in /metrics, 0 if absent
  curl -s http://127.0.0.1:18092/metrics | awk -v m="$1" '$1 == m {print $2; found=1} END {if (!found) print 0}'
}

"$bin/gen-requests" plaintext plain "$token" "$key" "$app_id" "$messages" 0 > "$work/pushes.txt"
"$bin/bare-server" 127.0.0.1:18093 --read-body --reply-bytes 2 >/dev/null &
wait_up 18093
WXGATE_LOG=error "$bin/wxgate" serve --config "$work/wxgate.toml" >/dev/null &
gateway=$!
wait_up 18092

echo "wrk -t$threads -c$connections -d${duration}s, $(nproc) cores, SQLite store, one async webhook"
start=$(date +%s.%N)
out=$(THREADS=$threads REQUESTS="$work/pushes.txt" wrk -t$threads -c$connections -d"${duration}s" --latency \
  -s bench/replay.lua http://127.0.0.1:18092 2>&1)
answered=$(awk '/requests in/ {print $1}' <<<"$out")
non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out"); non2xx=${non2xx:-0}
rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
pushes=$((answered - non2xx))
if [ "$pushes" -gt "$messages" ]; then pushes=$messages; fi # the excess were WeChat-style retries
delivered=0
for _ in $(seq 1200); do
  delivered=$(metric 'wxgate_webhook_deliveries_total{account="plain",result="delivered"}')
  [ "$delivered" -ge "$pushes" ] && break
  sleep 0.1
done
drained=$(date +%s.%N)
retried=$(metric 'wxgate_webhook_deliveries_total{account="plain",result="retried"}')
dead=$(metric 'wxgate_webhook_deliveries_total{account="plain",result="dead"}')
echo "pushes answered: $answered ($non2xx non-2xx) at $rps/s, p99 $p99"
awk -v d="$delivered" -v s="$start" -v e="$drained" 'BEGIN {printf "deliveries: %d in %.1f s = %.0f/s (from the first push until the queue was empty)\n", d, e - s, d / (e - s)}'
echo "lost: $((pushes - delivered))   retried: $retried   dead letters: $dead"
kill $gateway; wait $gateway 2>/dev/null || true

echo
echo "registry: subscribes recorded per second (bench/registry.sh ${REGISTRY_FOLLOWERS:-10000} 16)"
bench/registry.sh "${REGISTRY_FOLLOWERS:-10000}" 16
