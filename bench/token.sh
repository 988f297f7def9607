#!/usr/bin/env bash
# Loads the central token API (GET /v1/accounts/main/access-token with a bearer key) and a bare
# axum hello-world server in the same run, with wrk at 32 connections, and prints requests/s
# and the ratio (target >= 0.85). The sandbox is the upstream; the token is fetched once.
#
# Usage: bench/token.sh [DURATION_SECONDS]
# Set WXGATE_BENCH_BIN to a directory holding wxgate and bare-server to measure those binaries
# instead of building the release ones.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
duration=${1:-10}
threads=2
connections=32

need wrk
bench_bins
scratch_dir

start_sandbox 127.0.0.1:18095
sandbox_app 127.0.0.1:18095 '{"app_id":"wxbe4c000000000002","app_secret":"bench-secret","token":"benchtoken","mode":"plaintext","callback_url":"http://127.0.0.1:18096/wechat/main"}'
cat > "$work/wxgate.toml" <<TOML
[server]
listen = "127.0.0.1:18096"
api_keys = ["bench-api-key-0123456789"]
[storage]
url = "sqlite://$work/wxgate.db"
[[accounts]]
id = "main"
app_id = "wxbe4c000000000002"
app_secret = "bench-secret"
token = "benchtoken"
api_base = "http://127.0.0.1:18095"
TOML
WXGATE_LOG=error "$bin/wxgate" serve --config "$work/wxgate.toml" >/dev/null &
"$bin/bare-server" 127.0.0.1:18097 >/dev/null &
wait_for http://127.0.0.1:18096/healthz
wait_for http://127.0.0.1:18097/healthz
auth='Authorization: Bearer bench-api-key-0123456789'
curl -sf -H "$auth" http://127.0.0.1:18096/v1/accounts/main/access-token >/dev/null

run() { # name url
  local out rps
  out=$(wrk -t$threads -c$connections -d"${duration}s" -H "$auth" "$2" 2>&1)
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  echo "$rps" > "$work/$1.rps"
  printf '%-14s %10s req/s   latency avg %-9s  non-2xx: %s\n' "$1" "$rps" "$(awk '/Latency/ {print $2}' <<<"$out")" \
    "$(awk '/Non-2xx/ {print $5}' <<<"$out")"
}

echo "wrk -t$threads -c$connections -d${duration}s, $(nproc) cores"
run bare http://127.0.0.1:18097/v1/accounts/main/access-token
run token-api http://127.0.0.1:18096/v1/accounts/main/access-token
run bare-2 http://127.0.0.1:18097/v1/accounts/main/access-token
calls=$(curl -s http://127.0.0.1:18095/sandbox/apps/wxbe4c000000000002/calls)
awk -v b1="$(cat "$work/bare.rps")" -v b2="$(cat "$work/bare-2.rps")" -v t="$(cat "$work/token-api.rps")" 'BEGIN {
  b = (b1 + b2) / 2
  printf "token API / bare = %.2f (target >= 0.85)\n", t / b
}'
echo "upstream calls during the run: $calls"
