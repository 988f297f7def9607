#!/usr/bin/env bash
# What the WeChat API proxy adds to a call, in latency and in CPU, in one run.
#
# Starts the sandbox (`wxgate sandbox`) with one app, a gateway with that account, and a bare
# axum hello-world server. The open-loop generator (bench/wxgate-bench open-loop: each request
# on schedule, whatever the answers' latency) then sends GET cgi-bin/user/get at a fixed rate:
# first straight to the sandbox with the account's token, then through the proxy
# (/v1/accounts/main/wechat/cgi-bin/user/get with a bearer key), then GET / to the bare server.
#
# Prints p50 and p99 of the direct and the proxied calls and their difference (the latency the
# proxy adds), then the gateway's CPU time per proxied request (utime + stime from
# /proc/PID/stat before and after its run) beside the bare server's per request at the same
# rate. Targets: p99 added <= 1 ms; proxy CPU/request <= 3x bare.
#
# user/get has a daily quota of 500 calls in the sandbox, as on WeChat; the sandbox's clock is
# moved a day forward every 0.4 s during the run (its tokens live 10^9 s here), so every call is
# an ordinary answer rather than 45009.
#
# Usage: bench/proxy.sh [RATE_PER_SECOND] [SECONDS]   (default 500 req/s for 10 s)
# Set WXGATE_BENCH_BIN to a directory holding wxgate, bare-server and open-loop to measure
# those binaries instead of building the release ones.
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-500}
duration=${2:-10}
warmup=2

command -v curl >/dev/null || { echo "curl is needed: apt-get install -y curl" >&2; exit 1; }
if [ -n "${WXGATE_BENCH_BIN:-}" ]; then
  bin=$WXGATE_BENCH_BIN
else
  cargo build --release -q -p wxgate -p wxgate-bench
  bin=${CARGO_TARGET_DIR:-target}/release
fi

work=$(mktemp -d)
cleanup() { kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

sandbox=127.0.0.1:18100 gateway=127.0.0.1:18101 bare=127.0.0.1:18102
app_id=wxbe4c000000000003 api_key=bench-proxy-key-0123456789
wait_for() { for _ in $(seq 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }

WXGATE_LOG=error "$bin/wxgate" sandbox --listen $sandbox >/dev/null &
sandbox_pid=$!
wait_for http://$sandbox/sandbox/apps
curl -sf -X POST http://$sandbox/sandbox/apps -H 'content-type: application/json' \
  -d "{\"app_id\":\"$app_id\",\"app_secret\":\"bench-secret\",\"token\":\"benchtoken\",\"mode\":\"plaintext\",\"token_ttl_secs\":1000000000,\"callback_url\":\"http://$gateway/wechat/main\"}" >/dev/null
cat > "$work/wxgate.toml" <<TOML
[server]
listen = "$gateway"
api_keys = ["$api_key"]
[storage]
url = "memory://"
[[accounts]]
id = "main"
app_id = "$app_id"
app_secret = "bench-secret"
token = "benchtoken"
api_base = "http://$sandbox"
TOML
WXGATE_LOG=error "$bin/wxgate" serve --config "$work/wxgate.toml" >/dev/null &
gateway_pid=$!
"$bin/bare-server" $bare >/dev/null &
bare_pid=$!
wait_for http://$gateway/healthz
wait_for http://$bare/healthz
auth="Authorization: Bearer $api_key"
token=$(curl -sf -H "$auth" http://$gateway/v1/accounts/main/access-token | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
# A few followers, so that user/get answers a list.
for _ in 1 2 3 4 5; do
  openid=$(curl -sf -X POST http://$sandbox/sandbox/apps/$app_id/users -d '{}' | sed 's/.*"openid":"\([^"]*\)".*/\1/')
  curl -sf -X POST http://$sandbox/sandbox/apps/$app_id/users/$openid/actions -d '{"type":"follow"}' >/dev/null
done
(while sleep 0.4; do curl -s -o /dev/null -X POST http://$sandbox/sandbox/clock -d '{"advance_secs":86400}'; done) &

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime
load() { # url seconds [header]
  "$bin/open-loop" "$1" "$rate" "$2" "${@:3}"
}
field() { sed "s/.* $1=\([0-9]*\).*/\1/" <<<" $2"; }

declare -A line us
measure() { # name url pid [header]
  local c0 c1 out
  load "$2" $warmup "${@:4}" >/dev/null
  c0=$(cpu_ticks "$3")
  out=$(load "$2" "$duration" "${@:4}")
  c1=$(cpu_ticks "$3")
  line[$1]=$out
  us[$1]=$(awk -v c="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" -v n="$(field ok "$out")" 'BEGIN {printf "%.1f", c * 1e6 / hz / n}')
  printf '%-8s %s  (%s µs CPU/request of its server)\n' "$1" "$out" "${us[$1]}"
}

echo "open loop at $rate req/s for ${duration}s each (after ${warmup}s of warm-up), $(nproc) cores"
measure direct "http://$sandbox/cgi-bin/user/get?access_token=$token" "$sandbox_pid"
measure proxy "http://$gateway/v1/accounts/main/wechat/cgi-bin/user/get" "$gateway_pid" "$auth"
measure bare "http://$bare/v1/accounts/main/wechat/cgi-bin/user/get" "$bare_pid"
for name in direct proxy; do
  if [ "$(field failed "${line[$name]}")" != 0 ]; then echo "warning: $name had failed requests" >&2; fi
done
awk -v d50="$(field p50_us "${line[direct]}")" -v d99="$(field p99_us "${line[direct]}")" \
    -v p50="$(field p50_us "${line[proxy]}")" -v p99="$(field p99_us "${line[proxy]}")" 'BEGIN {
  printf "latency   direct p50 %.3f ms p99 %.3f ms   proxy p50 %.3f ms p99 %.3f ms\n", d50 / 1000, d99 / 1000, p50 / 1000, p99 / 1000
  printf "added     p50 %+.3f ms   p99 %+.3f ms (target p99 <= 1 ms)\n", (p50 - d50) / 1000, (p99 - d99) / 1000
}'
awk -v p="${us[proxy]}" -v b="${us[bare]}" 'BEGIN {
  printf "CPU       proxy %.1f µs/request   bare %.1f µs/request   = %.2fx bare (target <= 3x)\n", p, b, p / b
}'
echo "sandbox calls: $(curl -s http://$sandbox/sandbox/apps/$app_id/calls)"
