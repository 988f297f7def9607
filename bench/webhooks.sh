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
# shellcheck source=bench/lib.sh
. bench/lib.sh
duration=${1:-10}
messages=$((duration * 40000))
threads=2
connections=32

need wrk
need curl
bench_bins

data=$(mktemp -d) # the SQLite file on disk, as in production
scratch_dir shm "$data"

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

metric() { # name{labels} — its value in /metrics, 0 if absent
  curl -s http://127.0.0.1:18092/metrics | awk -v m="$1" '$1 == m {print $2; found=1} END {if (!found) print 0}'
}

"$bin/gen-requests" plaintext plain "$token" "$key" "$app_id" "$messages" 0 > "$work/pushes.txt"
"$bin/bare-server" 127.0.0.1:18093 --read-body --reply-bytes 2 >/dev/null &
wait_for http://127.0.0.1:18093/healthz
WXGATE_LOG=error "$bin/wxgate" serve --config "$work/wxgate.toml" >/dev/null &
gateway=$!
wait_for http://127.0.0.1:18092/healthz

echo "wrk -t$threads -c$connections -d${duration}s, $(nproc) cores, SQLite store, one async webhook"
start=$(date +%s.%N)
out=$(THREADS=$threads REQUESTS="$work/pushes.txt" wrk -t$threads -c$connections -d"${duration}s" --latency \
  -s bench/replay.lua http://127.0.0.1:18092 2>&1)
answered=$(awk '/requests in/ {print $1}' <<<"$out")
non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out"); non2xx=${non2xx:-0}
rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
# The pushes the gateway took as new (each queued one job), by its own count: wrk does not count
# the requests still in flight when it stops, which the gateway answered and queued all the same
# (a second's wait lets those finish).
sleep 1
pushes=0
for outcome in success reply deferred; do
  pushes=$((pushes + $(metric "wxgate_callbacks_total{account=\"plain\",outcome=\"$outcome\"}")))
done
delivered=0
for _ in $(seq 1200); do
  delivered=$(metric 'wxgate_webhook_deliveries_total{account="plain",result="delivered"}')
  [ "$delivered" -ge "$pushes" ] && break
  sleep 0.1
done
drained=$(date +%s.%N)
retried=$(metric 'wxgate_webhook_deliveries_total{account="plain",result="retried"}')
dead=$(metric 'wxgate_webhook_deliveries_total{account="plain",result="dead"}')
echo "pushes answered: $answered ($non2xx non-2xx) at $rps/s, p99 $p99; taken as new by the gateway: $pushes"
awk -v d="$delivered" -v s="$start" -v e="$drained" 'BEGIN {printf "deliveries: %d in %.1f s = %.0f/s (from the first push until the queue was empty)\n", d, e - s, d / (e - s)}'
lost=$((pushes - delivered))
if [ "$lost" -ge 0 ]; then
  echo "lost: $lost   retried: $retried   dead letters: $dead"
else # more deliveries than pushes: some were sent twice (delivery is at-least-once)
  echo "lost: 0   delivered twice: $((-lost))   retried: $retried   dead letters: $dead"
fi
kill $gateway; wait $gateway 2>/dev/null || true

echo
echo "registry: subscribes recorded per second (bench/registry.sh ${REGISTRY_FOLLOWERS:-10000} 16)"
bench/registry.sh "${REGISTRY_FOLLOWERS:-10000}" 16
