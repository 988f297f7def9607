#!/usr/bin/env bash
# Loads the callback endpoint and a bare axum hello-world server in the same run, with wrk at
# 32 connections: a signed plaintext text message and a safe-mode (AES) one, every message
# distinct (so each one runs verify → decrypt → parse → de-dup → route → reply → encrypt).
# Both servers are sent the same request stream, so wrk's own work (it shares the machine's
# cores) is the same on both sides of the ratio.
# Prints requests/s and the ratio to the bare server. Targets: plaintext ≥ 0.8, safe ≥ 0.7.
#
# Usage: bench/callback.sh [DURATION_SECONDS] [MESSAGES_PER_MODE]
# MESSAGES_PER_MODE defaults to 300,000 per second of the run, more than the gateway answers, so
# every request is a new message; if a run sends more, the excess are retries of earlier messages
# (answered from the de-dup record) and the line says how many.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
messages=${2:-$((duration * 300000))}
threads=2
connections=32

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
cargo build --release -q -p wxgate -p wxgate-bench

work=$(mktemp -d)
cleanup() { kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

token=benchtoken
key=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG
app_id=wxbe4c000000000001
cat > "$work/wxgate.toml" <<TOML
[server]
listen = "127.0.0.1:18090"
[storage]
url = "memory://"
[[accounts]]
id = "plain"
app_id = "$app_id"
token = "$token"
mode = "plaintext"
[[accounts.replies]]
keyword = "hello"
text = "Hi there"
[[accounts]]
id = "safe"
app_id = "$app_id"
token = "$token"
encoding_aes_key = "$key"
mode = "safe"
[[accounts.replies]]
keyword = "hello"
text = "Hi there"
TOML

WXGATE_LOG=error target/release/wxgate serve --config "$work/wxgate.toml" >/dev/null &
target/release/bare-server 127.0.0.1:18091 >/dev/null &
target/release/bare-server 127.0.0.1:18092 --read-body >/dev/null &
target/release/gen-requests plaintext plain "$token" "$key" "$app_id" "$messages" > "$work/plain.txt"
target/release/gen-requests safe safe "$token" "$key" "$app_id" "$messages" > "$work/safe.txt"
for port in 18090 18091 18092; do
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
done

run() { # name port requests-file
  local out
  out=$(THREADS=$threads REQUESTS="$2" wrk -t$threads -c$connections -d"${duration}s" -s bench/replay.lua "http://127.0.0.1:$1" 2>&1)
  local rps errors p99 sent retries=""
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  sent=$(awk '/requests in/ {print $1}' <<<"$out")
  if [[ $3 == gateway-* ]] && [ "$sent" -gt "$messages" ]; then retries="   ($((sent - messages)) of $sent were retries)"; fi
  errors=$(awk '/^errors:/ {print $3, $4, $5, $6}' <<<"$out")
  echo "$rps" > "$work/$3.rps"
  printf '%-22s %10s req/s   latency avg %-9s   %s\n' "$3" "$rps" "$(awk '/Latency/ {print $2}' <<<"$out")" "$errors$retries"
}

echo "wrk -t$threads -c$connections -d${duration}s, $(nproc) cores, $messages distinct messages per mode"
echo "(the bare server gets the very same request stream, so the client's work is identical)"
run 18091 "$work/plain.txt" bare-plaintext
run 18092 "$work/plain.txt" body-plaintext
run 18090 "$work/plain.txt" gateway-plaintext
run 18091 "$work/safe.txt" bare-safe
run 18092 "$work/safe.txt" body-safe
run 18090 "$work/safe.txt" gateway-safe
awk -v bp="$(cat "$work/bare-plaintext.rps")" -v p="$(cat "$work/gateway-plaintext.rps")" \
    -v bs="$(cat "$work/bare-safe.rps")" -v s="$(cat "$work/gateway-safe.rps")" \
    -v rp="$(cat "$work/body-plaintext.rps")" -v rs="$(cat "$work/body-safe.rps")" 'BEGIN {
  printf "plaintext / bare = %.2f (target >= 0.80)   [/ bare that reads the body: %.2f]\n", p / bp, p / rp
  printf "safe      / bare = %.2f (target >= 0.70)   [/ bare that reads the body: %.2f]\n", s / bs, s / rs
}'
