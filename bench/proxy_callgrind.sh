#!/usr/bin/env bash
# What one proxied call costs the gateway in instructions (callgrind) and in system calls
# (strace), figures that move far less with the rest of the machine than bench/proxy.sh's.
#
# Starts the sandbox with one app and a follower (as bench/proxy.sh does), then, for each
# measurement, a gateway with that account:
#   callgrind  the gateway under `valgrind --tool=callgrind` with counting off; after a warm-up
#              (which also fills the token cache and opens the upstream connections), counting
#              is switched on for N proxied GET cgi-bin/user/info calls sent by bench/wxgate-bench
#              open-loop at RATE req/s, and off again. Every instruction the gateway ran in user
#              space over those calls, in all threads, is divided by the calls answered.
#   strace     the gateway natively; after the same warm-up, `strace -f -c` is attached for N
#              calls at RATE req/s: system calls per call, by name (futex, epoll_wait, recvfrom,
#              sendto, writev, …). The calls are paced (open loop, well under capacity) so that,
#              as in production at a moderate rate, the gateway idles between calls and each
#              call pays its own wake-ups.
# The instructions include the gateway's handling of the caller's request (axum, the bearer key,
# the token cache); comparing builds, the difference is the upstream client's.
#
# Usage: bench/proxy_callgrind.sh [N] [RATE] [callgrind|strace|both]   (defaults 2000, 200, both)
# Set WXGATE_BENCH_BIN to a directory holding wxgate and open-loop to measure those binaries.
# The raw profile is kept in $OUT (default /tmp/wxgate-proxy-callgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
n=${1:-2000}
rate=${2:-200}
what=${3:-both}
[ "$what" = both ] && what="callgrind strace"
out=${OUT:-/tmp/wxgate-proxy-callgrind}
mkdir -p "$out"

need curl
bench_bins
scratch_dir

sandbox=127.0.0.1:18110 gateway=127.0.0.1:18111
app_id=wxbe4c000000000004 api_key=bench-proxy-key-0123456789

start_sandbox $sandbox
proxy_account $sandbox $gateway $app_id $api_key
openid=$(sandbox_follower $sandbox $app_id)
auth="Authorization: Bearer $api_key"
url="http://$gateway/v1/accounts/main/wechat/cgi-bin/user/info?openid=$openid&lang=zh_CN"
seconds=$(awk -v n="$n" -v r="$rate" 'BEGIN {printf "%.3f", n / r}')
warm() { # the token fetched and cached, the pool filled, the code paths paged in
  case $(curl -sf -H "$auth" "$url") in *"\"openid\":\"$openid\""*) ;; *) echo "the proxy does not answer the follower" >&2; exit 1 ;; esac
  "$bin/open-loop" "$url" "$rate" 2 "$auth" >/dev/null
}
calls() { # prints the calls answered
  local result
  result=$("$bin/open-loop" "$url" "$rate" "$seconds" "$auth")
  [ "$(field failed "$result")" = 0 ] || echo "warning: $result" >&2
  field ok "$result"
}

echo "proxied GET cgi-bin/user/info, $n calls at $rate req/s (open loop), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for kind in $what; do
  case $kind in
  callgrind)
    need valgrind
    rm -f "$out/gateway.out"
    WXGATE_LOG=error valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out/gateway.out" \
      --dump-instr=no --collect-jumps=no "$bin/wxgate" serve --config "$work/wxgate.toml" >/dev/null 2>"$work/callgrind.log" &
    pid=$!
    wait_for http://$gateway/healthz
    warm
    callgrind_control -i on "$pid" >/dev/null 2>&1
    ok=$(calls)
    callgrind_control -i off "$pid" >/dev/null 2>&1
    kill "$pid"; wait "$pid" 2>/dev/null || true
    total=$(awk '/^totals:/ {print $2; exit}' "$out/gateway.out")
    awk -v t="${total:-0}" -v n="$ok" 'BEGIN {printf "callgrind: %.0f instructions per proxied call (%d calls)\n", t / n, n}'
    if command -v callgrind_annotate >/dev/null; then
      echo "-- top functions, instructions per call (self)"
      callgrind_annotate --threshold=95 "$out/gateway.out" 2>/dev/null \
        | awk -v n="$ok" '/^ *[0-9,]+ \([ 0-9.]+%\)/ {
            v = $1; gsub(",", "", v); $1 = ""; printf "%8.0f %s\n", v / n, $0; if (++k == 20) exit }' || true
    fi
    ;;
  strace)
    need strace
    WXGATE_LOG=error "$bin/wxgate" serve --config "$work/wxgate.toml" >/dev/null 2>&1 &
    pid=$!
    wait_for http://$gateway/healthz
    warm
    strace -f -c -o "$work/strace.txt" -p "$pid" 2>/dev/null &
    tracer=$!
    sleep 1 # attached to every thread before the first call
    ok=$(calls)
    kill -INT "$tracer"; wait "$tracer" 2>/dev/null || true
    kill "$pid"; wait "$pid" 2>/dev/null || true
    echo "strace: system calls per proxied call ($ok calls)"
    # strace -c: "% time  seconds  usecs/call  calls  [errors]  syscall"; calls is the 4th field.
    awk -v n="$ok" '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" {
        printf "  %-16s %6.2f\n", $NF, $4 / n; total += $4
      }
      END { printf "  %-16s %6.2f\n", "total", total / n }' "$work/strace.txt"
    ;;
  esac
done
