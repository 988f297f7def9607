#!/usr/bin/env bash
# What a callback costs the gateway, beside the least any webhook server costs, in one run.
#
# wrk (2 threads, 32 connections) sends signed text-message pushes, every message distinct (so
# each one runs verify → decrypt → parse → de-dup → route → reply → encrypt), first in plaintext
# mode, then in safe (AES) mode, each mode to a freshly started gateway. The baseline is a bare
# axum server that reads the body and answers a reply of the very size the gateway answers in
# that mode; it gets the same request stream, right before the gateway does.
#
# For each server and mode it prints the server process's own CPU time per request (utime +
# stime from /proc/PID/stat, before and after the run, over the requests wrk made), that as a
# multiple of the bare server's, requests/s and p99 latency; then the gateway's resident memory
# (VmRSS) after the N distinct pushes of each mode. Targets: plaintext ≤ 1.10× bare, safe ≤ 1.30×.
#
# Each mode runs ROUNDS rounds (default 3) on the same two servers, bare then gateway in each,
# so a burst of other work on the machine spoils one pair rather than the comparison; it prints
# every round, then the median and the worst of the rounds' ratios (the targets are read off the
# median, and the worst says how steady the run was).
#
# Usage: [ROUNDS=3] bench/callback.sh [DURATION_SECONDS] [MESSAGES_PER_ROUND]
# MESSAGES_PER_ROUND defaults to 130,000 per second of the run, more than the gateway answers, so
# every request is a new message; if a round sends more, the excess are retries of earlier
# messages (answered from the de-dup record) and the line says how many.
# Set WXGATE_BENCH_BIN to a directory holding wxgate, bare-server and gen-requests to measure
# those binaries instead of building the release ones.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
duration=${1:-10}
messages=${2:-$((duration * 130000))}
rounds=${ROUNDS:-3}
warmup=1
threads=2
connections=32

need wrk
need curl
bench_bins

# Request files are large: keep them in memory when there is a tmpfs.
scratch_dir shm

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

gen() { # mode account count first-id
  "$bin/gen-requests" "$1" "$2" "$token" "$key" "$app_id" "$3" "$4"
}

wrk_run() { # port requests-file seconds [extra wrk args]
  THREADS=$threads REQUESTS="$2" wrk -t$threads -c$connections -d"$3s" "${@:4}" -s bench/replay.lua "http://127.0.0.1:$1" 2>&1
}

declare -A us sent warm
measure() { # name pid port mode bare-name: prints one line, sets us[name] and sent[name]
  local out c0 c1 n errors p99 rps split retries=""
  warm[$1]=$(wrk_run "$3" "$work/$4-warmup.txt" $warmup | awk '/requests in/ {print $1}')
  c0=$(cpu_ticks "$2")
  out=$(wrk_run "$3" "$work/$4.txt" "$duration" --latency)
  c1=$(cpu_ticks "$2")
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/^errors:/ {print $2, $3, $4, $5}' <<<"$out")
  sent[$1]=$n
  read -r us[$1] split < <(cpu_per_request "$c0" "$c1" "$n" | awk '{printf "%.2f (user %.2f + sys %.2f)\n", $1, $2, $3}')
  if [[ $1 == gateway-* ]] && [ "$n" -gt "$messages" ]; then retries="  ($((n - messages)) of $n were retries)"; fi
  printf '%-20s %6s µs/req %-25s %6s  %9s req/s  p99 %-8s %s%s\n' "$1" "${us[$1]}" "$split" \
    "$(awk -v a="${us[$1]}" -v b="${us[$5]}" 'BEGIN {printf "%.2f×", a / b}')" "$rps" "$p99" "$errors" "$retries"
}

echo "wrk -t$threads -c$connections -d${duration}s (after ${warmup}s of warm-up), $(nproc) cores, $rounds rounds per mode of up to $messages distinct messages"
echo "CPU time of the server process per request; × = over the bare server that reads the body and"
echo "answers a reply of the gateway's size. Each mode has a fresh gateway and bare server. $(uptime | sed 's/.*load/load/')"
# Message ids: round r's measured ones from r·10^10, warm-up ones from 10^12 + r·10^10, the
# size probe at 2·10^12.
declare -A accounts=([plaintext]=plain [safe]=safe) rss summary
for mode in plaintext safe; do
  account=${accounts[$mode]}
  WXGATE_LOG=error "$bin/wxgate" serve --config "$work/wxgate.toml" >/dev/null &
  gateway=$!
  wait_for http://127.0.0.1:18090/healthz
  rss_start=$(rss_kib $gateway)
  IFS=$'\t' read -r path body < <(gen $mode "$account" 1 2000000000000)
  size=$(curl -s -o /dev/null -w '%{size_download}' -H 'Content-Type: text/xml' \
    --data-binary "$body" "http://127.0.0.1:18090$path")
  "$bin/bare-server" 127.0.0.1:18091 --read-body --reply-bytes "$size" >/dev/null &
  bare=$!
  wait_for http://127.0.0.1:18091/healthz
  echo "-- $mode: the gateway's reply is $size bytes"
  ratios=() distinct=1
  for round in $(seq "$rounds"); do
    gen $mode "$account" "$messages" $((round * 10000000000)) > "$work/$mode.txt"
    gen $mode "$account" $((warmup * 60000)) $((1000000000000 + round * 10000000000)) > "$work/$mode-warmup.txt"
    measure "bare-$mode#$round" $bare 18091 $mode "bare-$mode#$round"
    measure "gateway-$mode#$round" $gateway 18090 $mode "bare-$mode#$round"
    ratios+=("$(awk -v a="${us[gateway-$mode#$round]}" -v b="${us[bare-$mode#$round]}" 'BEGIN {print a / b}')")
    n=${sent[gateway-$mode#$round]} w=${warm[gateway-$mode#$round]}
    # Measured and warm-up pushes, less any retries.
    distinct=$(( distinct + (n < messages ? n : messages) + (w < warmup * 60000 ? w : warmup * 60000) ))
  done
  rss[$mode]="$(rss_kib $gateway) KiB after $distinct distinct $mode pushes ($rss_start KiB before the first)"
  summary[$mode]=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{r[NR] = $1} END {
    printf "%.2f× bare (worst %.2f×, best %.2f× of %d rounds)", (NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2), r[NR], r[1], NR
  }')
  kill $gateway $bare; wait $gateway $bare 2>/dev/null || true
  rm -f "$work/$mode.txt" "$work/$mode-warmup.txt"
done
for mode in plaintext safe; do echo "gateway RSS: ${rss[$mode]}"; done
echo "plaintext = ${summary[plaintext]}   (target <= 1.10, median)"
echo "safe      = ${summary[safe]}   (target <= 1.30, median)"
