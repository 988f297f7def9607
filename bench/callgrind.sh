#!/usr/bin/env bash
# Instructions per callback request, gateway beside the bare axum server, counted by callgrind.
#
# Wall-clock figures (bench/callback.sh) move with whatever else runs on the machine; instruction
# counts do not, so this is what to compare builds with while the machine is busy. Each server
# runs under `valgrind --tool=callgrind` with counting off; it gets a warm-up of pushes, then
# counting is switched on for exactly N distinct signed pushes (sent by bench/send_pushes.py over
# 4 keep-alive connections) and off again. Every instruction the process ran in user space over
# those N requests, in all threads, is divided by N. System calls count as the instructions that
# made them, not the kernel's work: CPU time in the kernel is bench/callback.sh's `sys`.
#
# Usage: bench/callgrind.sh [N] [plaintext|safe|both]     (N defaults to 5,000)
# Prints the instructions per request of each server, their ratio, and the gateway's top
# functions (inclusive and self); the raw profiles are kept in $OUT (default /tmp/wxgate-callgrind).
# Set WXGATE_BENCH_BIN to a directory with wxgate, bare-server and gen-requests to measure those.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
n=${1:-5000}
modes=${2:-both}
[ "$modes" = both ] && modes="plaintext safe"
warmup=500
out=${OUT:-/tmp/wxgate-callgrind}
mkdir -p "$out"

need valgrind
bench_bins
scratch_dir

token=benchtoken
key=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG
app_id=wxbe4c000000000001
cat > "$work/wxgate.toml" <<TOML
[server]
listen = "127.0.0.1:18092"
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
# Runs one server under callgrind, counts N requests; prints the total instructions.
count() { # name port mode command...
  local name=$1 port=$2 mode=$3 pid total
  shift 3
  rm -f "$out/$name.out"
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out/$name.out" \
    --dump-instr=no --collect-jumps=no "$@" >/dev/null 2>"$work/$name.log" &
  pid=$!
  wait_for "http://127.0.0.1:$port/healthz"
  python3 bench/send_pushes.py "$port" "$work/$mode-warmup.txt" >/dev/null
  callgrind_control -i on "$pid" >/dev/null
  python3 bench/send_pushes.py "$port" "$work/$mode.txt" >/dev/null
  callgrind_control -i off "$pid" >/dev/null
  # TERM, not INT: a background job of a script starts with SIGINT ignored.
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  total=$(awk '/^totals:/ {print $2; exit}' "$out/$name.out")
  echo "${total:-0}"
}

echo "instructions per request (callgrind, user space, all threads), over $n distinct pushes after $warmup of warm-up"
for mode in $modes; do
  account=plain
  [ "$mode" = safe ] && account=safe
  gen "$mode" "$account" "$n" 0 > "$work/$mode.txt"
  gen "$mode" "$account" "$warmup" 1000000000000 > "$work/$mode-warmup.txt"
  # The bare server answers the size the gateway answers in this mode.
  "$bin/wxgate" serve --config "$work/wxgate.toml" >/dev/null 2>&1 &
  probe=$!
  wait_for http://127.0.0.1:18092/healthz
  IFS=$'\t' read -r path body < <(gen "$mode" "$account" 1 2000000000000)
  size=$(curl -s -o /dev/null -w '%{size_download}' -H 'Content-Type: text/xml' \
    --data-binary "$body" "http://127.0.0.1:18092$path")
  kill "$probe"; wait "$probe" 2>/dev/null || true
  bare=$(count "bare-$mode" 18093 "$mode" "$bin/bare-server" 127.0.0.1:18093 --read-body --reply-bytes "$size")
  gateway=$(WXGATE_LOG=error count "gateway-$mode" 18092 "$mode" "$bin/wxgate" serve --config "$work/wxgate.toml")
  awk -v m="$mode" -v b="$bare" -v g="$gateway" -v n="$n" 'BEGIN {
    printf "%-9s bare %7.0f   gateway %7.0f   = %.2f× bare (%+.0f instructions per request)\n", m, b / n, g / n, g / b, (g - b) / n
  }'
done
if command -v callgrind_annotate >/dev/null; then
  for mode in $modes; do
    echo "-- gateway-$mode: top functions, instructions per request (self)"
    callgrind_annotate --threshold=95 "$out/gateway-$mode.out" 2>/dev/null \
      | awk -v n="$n" '/^ *[0-9,]+ \([ 0-9.]+%\)/ {
          v = $1; gsub(",", "", v); $1 = ""; printf "%8.0f %s\n", v / n, $0; if (++k == 25) exit }' || true
  done
fi
