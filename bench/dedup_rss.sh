#!/usr/bin/env bash
# The memory of the de-dup table, measured on the release binary: N distinct signed plaintext
# pushes (each a new MsgId and a new signature), all within the 300 s window, answered with a
# short configured text reply; prints the process's RSS (VmRSS from /proc) before any push,
# after N/2 and after N, with the bytes per push, and the table's own accounting
# (wxgate_dedup_bytes). Every push is sent once (wrk is stopped when the gateway has answered
# them all; the few requests sent past the end are retries, which add nothing).
#
# Usage: [WXGATE_BIN=path] bench/dedup_rss.sh [N]        (N defaults to 400,000)
# WXGATE_BIN names the gateway to measure; or set WXGATE_BENCH_BIN to a directory holding wxgate
# and gen-requests to measure those binaries instead of building the release ones.
# Issue 14's target: RSS after 400,000 pushes under 120 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
n=${1:-400000}
half=$((n / 2))
threads=2
connections=32

need wrk
# WXGATE_BIN=path measures another build of the gateway (e.g. one from before a change); else
# the wxgate in WXGATE_BENCH_BIN or the release build's.
if [ -n "${WXGATE_BIN:-}" ]; then
  wxgate=$WXGATE_BIN
  bin=${WXGATE_BENCH_BIN:-${CARGO_TARGET_DIR:-target}/release}
else
  bench_bins
  wxgate=$bin/wxgate
fi
# gen-requests from beside the gateway measured (any build of it writes the same pushes).
gen=$(dirname "$wxgate")/gen-requests
[ -x "$gen" ] || gen=$bin/gen-requests
scratch_dir

token=rsstoken
key=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG
app_id=wxbe4c000000000002
port=${PORT:-18095}
cat > "$work/wxgate.toml" <<TOML
[server]
listen = "127.0.0.1:$port"
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
TOML

WXGATE_LOG=error "$wxgate" serve --config "$work/wxgate.toml" >/dev/null &
pid=$!
"$gen" plaintext plain "$token" "$key" "$app_id" "$n" > "$work/all.txt"
head -n "$half" "$work/all.txt" > "$work/first.txt"
tail -n +"$((half + 1))" "$work/all.txt" > "$work/second.txt"
wait_for "http://127.0.0.1:$port/healthz"

table_bytes() { curl -s "http://127.0.0.1:$port/metrics" | awk '/^wxgate_dedup_bytes / {print $2}'; }
answered() { curl -s "http://127.0.0.1:$port/metrics" | awk '/^wxgate_callbacks_total\{account="plain",outcome="reply"\}/ {print $2}'; }
send() { # requests-file, pushes answered by then
  # wrk cannot stop after a number of requests: it runs until the gateway has answered every
  # push of the file, then is interrupted (the few requests past the end are retries).
  THREADS=$threads REQUESTS="$1" wrk -t$threads -c$connections -d600s -s bench/replay.lua \
    "http://127.0.0.1:$port" > "$work/wrk.out" 2>&1 &
  local wrk_pid=$!
  local got=0
  until [ "$got" -ge "$2" ]; do
    kill -0 "$wrk_pid" 2>/dev/null || { cat "$work/wrk.out" >&2; exit 1; }
    sleep 0.2
    got=$(answered); got=${got:-0}
  done
  kill -INT "$wrk_pid"; wait "$wrk_pid" || true
  grep -E '^errors:' "$work/wrk.out" | sed 's/^/  wrk /'
}

base=$(rss_kib "$pid")
echo "$n distinct plaintext pushes, configured text reply, $(nproc) cores; RSS at start: $((base / 1024)) MiB"
report() { # pushes
  local rss bytes
  rss=$(rss_kib "$pid")
  bytes=$(table_bytes)
  printf 'after %7d pushes: RSS %4d MiB (%6.1f MB), %4d bytes/push over the start; table accounts %s bytes (%d/push)\n' \
    "$1" "$((rss / 1024))" "$(awk -v r="$rss" 'BEGIN {print r * 1024 / 1e6}')" \
    "$(((rss - base) * 1024 / $1))" "${bytes:-?}" "$(( ${bytes:-0} / $1 ))"
}
send "$work/first.txt" "$half"
report "$half"
send "$work/second.txt" "$n"
report "$n"
