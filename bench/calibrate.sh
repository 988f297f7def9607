#!/usr/bin/env bash
# What bench/callback.sh reads for a server that does a known amount of work more than the bare
# server: the bare server itself, spinning BUSY nanoseconds in each request (`--busy-ns`).
#
# callback.sh loads each server with wrk at 32 connections on the same 2 cores as wrk itself,
# and divides the server's CPU time (user + sys, from /proc) by the requests it answered. A
# server that takes longer per request is the bottleneck more of the time: wrk's threads wait
# for it more often, and the kernel work of waking them, charged to the server's writes, grows.
# So the added CPU per request is more than the added work. This script measures by how much,
# and so what amount of work per request a target such as "≤ 1.10× bare" leaves.
#
# Each round measures every level once, in order (0 first, then each BUSY), each on a fresh bare
# server after a warm-up; the ratio of a level is its CPU per request over level 0's in the
# same round. It prints every measurement, then for each level the median over the rounds of:
# CPU per request, the user and sys time added over level 0, and the ratio. Last, the largest
# busy time whose median ratio stays within 1.10 and 1.30 (interpolated between levels).
#
# Usage: [ROUNDS=3] bench/calibrate.sh [DURATION_SECONDS] [BUSY_NS...]
#   defaults: 5 s, levels 500 1000 2000 3000 ns. The requests are callback.sh's plaintext pushes.
# Set WXGATE_BENCH_BIN to a directory holding bare-server and gen-requests to use those.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
duration=${1:-5}
shift || true
if [ $# -gt 0 ]; then levels=(0 "$@"); else levels=(0 500 1000 2000 3000); fi
rounds=${ROUNDS:-3}
threads=2
connections=32
port=18098

need wrk
need curl
bench_bins
scratch_dir shm

"$bin/gen-requests" plaintext plain benchtoken abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG \
  wxbe4c000000000001 $((duration * 200000)) 0 >"$work/requests.txt"

wrk_run() { # seconds [extra wrk args]
  THREADS=$threads REQUESTS="$work/requests.txt" wrk -t$threads -c$connections -d"$1s" "${@:2}" \
    -s bench/replay.lua "http://127.0.0.1:$port" 2>&1
}

echo "bare server spinning BUSY ns per request; wrk -t$threads -c$connections -d${duration}s, $(nproc) cores, $rounds rounds. $(uptime | sed 's/.*load/load/')"
# One line per measurement: round level total user sys
results=()
for round in $(seq "$rounds"); do
  for busy in "${levels[@]}"; do
    "$bin/bare-server" 127.0.0.1:$port --read-body --reply-bytes 218 --busy-ns "$busy" >/dev/null &
    pid=$!
    wait_for "http://127.0.0.1:$port/healthz"
    wrk_run 1 >/dev/null
    c0=$(cpu_ticks $pid)
    out=$(wrk_run "$duration")
    c1=$(cpu_ticks $pid)
    kill $pid
    wait $pid 2>/dev/null || true
    n=$(awk '/requests in/ {print $1}' <<<"$out")
    line=$(cpu_per_request "$c0" "$c1" "$n")
    results+=("$round $busy $line")
    read -r total user sys <<<"$line"
    printf 'round %d  busy %5d ns  %6.2f µs/req (user %.2f + sys %.2f)  %s req/s\n' "$round" "$busy" \
      "$total" "$user" "$sys" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  done
done

printf '%s\n' "${results[@]}" | awk '
  { total[$1, $2] = $3; user[$1, $2] = $4; sys[$1, $2] = $5; if (!($2 in seen)) { seen[$2] = 1; order[++levels] = $2 } rounds[$1] = 1 }
  function median(values, n,    i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && values[j - 1] > values[j]; j--) { t = values[j]; values[j] = values[j - 1]; values[j - 1] = t }
    return n % 2 ? values[(n + 1) / 2] : (values[n / 2] + values[n / 2 + 1]) / 2
  }
  END {
    print "-- medians over the rounds; added = over busy 0 in the same round"
    for (l = 1; l <= levels; l++) {
      b = order[l]; n = 0
      for (r in rounds) {
        n++
        t[n] = total[r, b]; u[n] = user[r, b] - user[r, 0]; s[n] = sys[r, b] - sys[r, 0]; q[n] = total[r, b] / total[r, 0]
      }
      mt = median(t, n); mu = median(u, n); ms = median(s, n); mq = median(q, n); ratio[l] = mq
      printf "busy %5d ns  %6.2f µs/req  added user %+.2f sys %+.2f µs  = %.2f× bare\n", b, mt, mu, ms, mq
    }
    split("1.10 1.30", targets, " ")
    for (k = 1; k <= 2; k++) {
      target = targets[k]; found = ""
      for (l = 2; l <= levels; l++) if (ratio[l] > target) {
        found = order[l - 1] + (order[l] - order[l - 1]) * (target - ratio[l - 1]) / (ratio[l] - ratio[l - 1]); break
      }
      if (found == "") printf "within %.2f× bare: all the levels measured\n", target
      else printf "within %.2f× bare: at most about %.0f ns of work per request\n", target, found
    }
  }'
