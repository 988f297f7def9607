#!/usr/bin/env bash
# A third-party platform (component) with 10,000 authorizers: what the gateway costs at start and
# in memory, and whether its authorizer-token refreshes come in bursts.
#
# Part 1, the release binaries as deployed: `wxgate sandbox` and `wxgate serve` with a SQLite
# store. The sandbox gets a component whose events URL is the gateway's and pushes it a verify
# ticket; N apps are created and authorize the component in bulk (the sandbox pushes one
# `authorized` notice each, and the gateway learns each authorizer as in production: decrypt,
# `api_query_auth`, store). The gateway is stopped and started again on its now warm store:
#   - startup: process start → `/healthz` answers, and → every authorizer's token served by
#     `GET /v1/accounts/{appid}/access-token` (one curl process, one connection);
#   - upstream calls at start: every call the sandbox counted for the component (its own APIs
#     and the calls made with its authorizers' tokens) from the restart to a few seconds after
#     the last token was served (target 0);
#   - RSS (VmRSS) of the gateway then (target <= 200 MB), and per authorizer over the RSS of the
#     same gateway started before any authorizer existed.
# Part 2, two hours in a few seconds: bench/wxgate-bench's `component-sim` runs the sandbox and
# the real gateway (its router on loopback, a SQLite store) in one process on the sandbox's
# frozen clock, seeds N authorizers the same way (all their tokens issued in the same virtual
# second: the worst case), then steps the clock one virtual second at a time, running one round
# of the gateway's component refresher per second (the gateway's refresher ticks every second);
# the sandbox counts `api_authorizer_token` calls per virtual second. Prints the largest number
# in any one second (target <= 10) and checks every token was still valid at the end.
#
# Usage: bench/component.sh [AUTHORIZERS] [VIRTUAL_SECONDS]   (defaults 10000 7200)
# Set WXGATE_BENCH_BIN to a directory holding wxgate and component-sim to measure those binaries
# instead of building the release ones.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
n=${1:-10000}
sim_seconds=${2:-7200}

need curl
bench_bins
scratch_dir

sandbox=127.0.0.1:18110 gateway=127.0.0.1:18111
component=wxc0mp0be4c000001 secret=bench-component-secret token=benchcomponent
key=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG api_key=bench-component-key-0123456789
post() { # path body-file-or-json
  local data=$2
  curl -sf -X POST "http://$sandbox$1" -H 'content-type: application/json' --data-binary "$data"
}
# Every call the sandbox counted for the component: its own and with its authorizers' tokens.
calls_total() {
  curl -sf "http://$sandbox/sandbox/components/$component/calls" | grep -o ':[0-9][0-9]*' | tr -d : |
    awk '{s += $1} END {print s + 0}'
}

start_sandbox $sandbox
post /sandbox/components "{\"component_appid\":\"$component\",\"component_appsecret\":\"$secret\",\"token\":\"$token\",\"encoding_aes_key\":\"$key\",\"events_url\":\"http://$gateway/wechat/component/open/events\",\"message_url\":\"\"}" >/dev/null
cat > "$work/wxgate.toml" <<TOML
[server]
listen = "$gateway"
api_keys = ["$api_key"]
[storage]
url = "sqlite://$work/wxgate.db"
[[components]]
id = "open"
app_id = "$component"
app_secret = "$secret"
token = "$token"
encoding_aes_key = "$key"
api_base = "http://$sandbox"
TOML

start_gateway() { # sets gateway_pid and started_ns (process start) / ready_ns (/healthz answers)
  started_ns=$(date +%s%N)
  WXGATE_LOG=error "$bin/wxgate" serve --config "$work/wxgate.toml" >/dev/null &
  gateway_pid=$!
  until curl -s -o /dev/null "http://$gateway/healthz"; do
    kill -0 $gateway_pid 2>/dev/null || { echo "the gateway exited" >&2; exit 1; }
    sleep 0.005
  done
  ready_ns=$(date +%s%N)
}
stop_gateway() { kill -INT $gateway_pid; wait $gateway_pid 2>/dev/null || true; }

start_gateway
sleep 2
rss_empty=$(rss_kib $gateway_pid)
ticket=$(post /sandbox/components/$component/push-ticket '{}')
grep -q '"outcome":"success"' <<<"$ticket" || { echo "the verify ticket was not taken: $ticket" >&2; exit 1; }

# N apps (2,000 per request), then one bulk authorization: N notices to the gateway.
app_ids=$(awk -v n="$n" 'BEGIN {for (i = 0; i < n; i++) printf "wxbe4c%012x\n", i}')
awk -v dir="$work" '{f = sprintf("%s/apps.%03d.json", dir, int((NR - 1) / 2000))
  printf "%s{\"app_id\":\"%s\",\"app_secret\":\"unused-secret\",\"token\":\"unused\",\"mode\":\"plaintext\",\"callback_url\":\"http://127.0.0.1:9/\"}%s",
    ((NR - 1) % 2000 == 0 ? "[" : ","), $1, (NR % 2000 == 0 ? "]" : "") > f}
  END {if (NR % 2000 != 0) printf "]" > f}' <<<"$app_ids"
seed_start=$(date +%s%N)
for chunk in "$work"/apps.*.json; do post /sandbox/apps "@$chunk" >/dev/null; done
awk 'BEGIN {printf "{\"app_ids\":["} {printf "%s\"%s\"", (NR == 1 ? "" : ","), $1} END {printf "]}"}' <<<"$app_ids" > "$work/authorize.json"
authorized=$(post /sandbox/components/$component/authorize "@$work/authorize.json")
seed_end=$(date +%s%N)
grep -q '"failed":0' <<<"$authorized" && grep -q "\"success\":$n\b" <<<"$authorized" ||
  { echo "not every authorization notice was taken: ${authorized:0:2000}" >&2; exit 1; }
echo "$n authorizers seeded in $(awk -v ns=$((seed_end - seed_start)) 'BEGIN {printf "%.1f", ns / 1e9}') s: apps created in bulk, one authorized notice each, answered by the gateway with api_query_auth"
sleep 2
stop_gateway

# The warm start.
awk -v g="$gateway" -v k="$api_key" 'BEGIN {printf "header = \"Authorization: Bearer %s\"\n", k}
  {printf "url = \"http://%s/v1/accounts/%s/access-token\"\noutput = \"/dev/null\"\n", g, $1}' <<<"$app_ids" > "$work/tokens.curl"
calls_before=$(calls_total)
start_gateway
served=$(curl -s -K "$work/tokens.curl" -w '%{http_code}\n' | grep -c '^200$' || true)
served_ns=$(date +%s%N)
# The refresher's first rounds (one a second) visit every authorizer.
sleep 5
rss=$(rss_kib $gateway_pid)
calls_after=$(calls_total)
echo "warm start, $(nproc) cores:"
awk -v a=$((ready_ns - started_ns)) -v b=$((served_ns - started_ns)) -v n="$n" -v s="$served" 'BEGIN {
  printf "  startup: process start -> /healthz %.0f ms; -> all %d authorizer tokens served %.0f ms (%d of %d answered 200)\n", a / 1e6, n, b / 1e6, s, n
}'
echo "  upstream calls at start (counted by the sandbox): $((calls_after - calls_before)) (target 0)"
awk -v r="$rss" -v e="$rss_empty" -v n="$n" 'BEGIN {
  printf "  RSS with %d authorizers: %.1f MB (target <= 200 MB); %.1f MB with none; %.0f bytes per authorizer\n", n, r * 1024 / 1e6, e * 1024 / 1e6, (r - e) * 1024 / n
}'
stop_gateway

echo "simulated $sim_seconds virtual seconds (bench/wxgate-bench component-sim):"
"$bin/component-sim" "$n" "$sim_seconds" | sed 's/^/  /'
