#!/usr/bin/env bash
# The memory of the de-dup table, measured on the release binary: N distinct signed plaintext
# pushes (each a new MsgId and a new signature), all within the 300 s window, answered with a
# short configured text reply; prints the process's RSS (VmRSS from /proc) before any push,
# after N/2 and after N, with the bytes per push, and the table's own accounting
# (wxgate_dedup_bytes). Every push is sent exactly once (wrk stops each thread when its share is
# answered; the few requests still in flight then are retries, which add nothing).
#
# Usage: bench/dedup_rss.sh [N]        (N defaults to 400,000)
# Issue 14's target: RSS after 400,000 pushes under 120 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-400000}
half=$((n / 2))
threads=2
connections=32

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
cargo build --release -q -p wxgate -p wxgate-bench
bin=${WXGATE_BIN:-target/release/wxgate}

work=$(mktemp -d)
cleanup() { kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

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

# Sends every line of $REQUESTS once: thread k of $THREADS sends lines k, k+THREADS, … and stops
# when all of its share are answered.
cat > "$work/once.lua" <<'LUA'
local requests = {}
local next_index = 1
local answered = 0
local failed = 0
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local n_threads = tonumber(os.getenv("THREADS") or "1")
  local file = assert(io.open(os.getenv("REQUESTS"), "r"))
  local n = 0
  for line in file:lines() do
    if n % n_threads == id then
      local tab = line:find("\t", 1, true)
      requests[#requests + 1] = wrk.format("POST", line:sub(1, tab - 1), {["Content-Type"] = "text/xml"}, line:sub(tab + 1))
    end
    n = n + 1
  end
  file:close()
end

function request()
  local r = requests[next_index]
  next_index = next_index % #requests + 1
  return r
end

function response(status, headers, body)
  answered = answered + 1
  if status ~= 200 then failed = failed + 1 end
  if answered >= #requests then wrk.thread:stop() end
end

function done(summary, latency, requests_)
  local failed_total = 0
  for _, thread in ipairs(threads) do failed_total = failed_total + thread:get("failed") end
  io.write(string.format("non-200 %d, socket errors %d\n", failed_total,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA

WXGATE_LOG=error "$bin" serve --config "$work/wxgate.toml" >/dev/null &
pid=$!
target/release/gen-requests plaintext plain "$token" "$key" "$app_id" "$n" > "$work/all.txt"
head -n "$half" "$work/all.txt" > "$work/first.txt"
tail -n +"$((half + 1))" "$work/all.txt" > "$work/second.txt"
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"; }
table_bytes() { curl -s "http://127.0.0.1:$port/metrics" | awk '/^wxgate_dedup_bytes / {print $2}'; }
send() { # requests-file
  THREADS=$threads REQUESTS="$1" wrk -t$threads -c$connections -d300s -s "$work/once.lua" \
    "http://127.0.0.1:$port" 2>&1 | awk '/^non-200/ {print "  " $0}'
}

base=$(rss_kib)
echo "$n distinct plaintext pushes, configured text reply, $(nproc) cores; RSS at start: $((base / 1024)) MiB"
report() { # pushes
  local rss bytes
  rss=$(rss_kib)
  bytes=$(table_bytes)
  printf 'after %7d pushes: RSS %4d MiB (%6.1f MB), %4d bytes/push over the start; table accounts %s bytes (%d/push)\n' \
    "$1" "$((rss / 1024))" "$(awk -v r="$rss" 'BEGIN {print r * 1024 / 1e6}')" \
    "$(((rss - base) * 1024 / $1))" "${bytes:-?}" "$(( ${bytes:-0} / $1 ))"
}
send "$work/first.txt"
report "$half"
send "$work/second.txt"
report "$n"
