# shellcheck shell=bash
# What the bench scripts share, sourced by each one after its `cd` to the repository's root
# (`. bench/lib.sh`); the scripts keep `set -euo pipefail` themselves. It offers:
#
#   need TOOL [PACKAGE]        exits, saying what to install, unless TOOL is on PATH
#   bench_bins                 sets `bin`, the directory of the binaries to measure:
#                              $WXGATE_BENCH_BIN if set, else the release build (built here)
#   scratch_dir [shm|disk] [PATH...]
#                              makes the temporary directory `work` (shm: in /dev/shm when there
#                              is one, for large request files) and, on exit, kills the script's
#                              background jobs and removes `work` and the PATHs given
#   wait_for URL               waits until URL answers at all (any status), up to 60 s, else exits
#   start_sandbox ADDR         starts `$bin/wxgate sandbox` on ADDR at log level error, sets
#                              `sandbox_pid`, waits until it answers
#   sandbox_app ADDR JSON      registers an app with the sandbox on ADDR (POST /sandbox/apps)
#   sandbox_follower ADDR APP_ID
#                              makes a user of the app follow it; prints the user's openid
#   proxy_account SANDBOX GATEWAY APP_ID API_KEY
#                              registers a plaintext app with the sandbox (its token good for
#                              ever) and writes $work/wxgate.toml: a gateway on GATEWAY with the
#                              bearer key API_KEY and that app as account `main`, calling the
#                              sandbox as its WeChat API
#   cpu_ticks PID              a process's CPU time so far: "utime stime", in clock ticks
#   cpu_per_request BEFORE AFTER N
#                              from two cpu_ticks readings over N requests: "total user sys",
#                              in µs per request
#   rss_kib PID                the resident memory (VmRSS) of a process, in KiB
#   field NAME TEXT            the number NAME=<digits> in a line such as open-loop's summary
#
# The functions that set variables or start processes must run in the script's own shell, not
# in $(...): the variables would be lost, and the processes not among its jobs to clean up.

need() { # tool [package]
  command -v "$1" >/dev/null || { echo "$1 is needed: apt-get install -y ${2:-$1}" >&2; exit 1; }
}

bench_bins() {
  if [ -n "${WXGATE_BENCH_BIN:-}" ]; then
    bin=$WXGATE_BENCH_BIN
  else
    cargo build --release -q -p wxgate -p wxgate-bench
    bin=${CARGO_TARGET_DIR:-target}/release
  fi
}

# shellcheck disable=SC2120 # both arguments are optional
scratch_dir() { # [shm|disk] [more paths to remove on exit]
  if [ "${1:-}" = shm ]; then
    work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
  else
    work=$(mktemp -d)
  fi
  scratch_paths=("$work" "${@:2}")
  trap cleanup EXIT
}
cleanup() {
  # shellcheck disable=SC2046 # one pid a word
  kill $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "${scratch_paths[@]}"
}

wait_for() { # url
  for _ in $(seq 1200); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done
  echo "no answer from $1" >&2
  exit 1
}

start_sandbox() { # address
  WXGATE_LOG=error "$bin/wxgate" sandbox --listen "$1" >/dev/null &
  # shellcheck disable=SC2034 # for the caller
  sandbox_pid=$!
  wait_for "http://$1/sandbox/apps"
}

sandbox_app() { # address json
  curl -sf -X POST "http://$1/sandbox/apps" -H 'content-type: application/json' -d "$2" >/dev/null
}

sandbox_follower() { # address app-id
  local openid
  # `|| return`: set -e does not hold inside $(...), where this runs.
  openid=$(curl -sf -X POST "http://$1/sandbox/apps/$2/users" -d '{}' | sed 's/.*"openid":"\([^"]*\)".*/\1/') || return
  curl -sf -X POST "http://$1/sandbox/apps/$2/users/$openid/actions" -d '{"type":"follow"}' >/dev/null || return
  echo "$openid"
}

proxy_account() { # sandbox gateway app-id api-key
  sandbox_app "$1" "{\"app_id\":\"$3\",\"app_secret\":\"bench-secret\",\"token\":\"benchtoken\",\"mode\":\"plaintext\",\"token_ttl_secs\":1000000000,\"callback_url\":\"http://$2/wechat/main\"}"
  cat > "$work/wxgate.toml" <<TOML
[server]
listen = "$2"
api_keys = ["$4"]
[storage]
url = "memory://"
[[accounts]]
id = "main"
app_id = "$3"
app_secret = "bench-secret"
token = "benchtoken"
api_base = "http://$1"
TOML
}

cpu_ticks() { awk '{print $14, $15}' "/proc/$1/stat"; } # pid

cpu_per_request() { # before after requests
  awk -v c0="$1" -v c1="$2" -v hz="$(getconf CLK_TCK)" -v n="$3" 'BEGIN {
    split(c0, a, " "); split(c1, b, " "); k = 1e6 / hz / n
    printf "%.3f %.3f %.3f\n", (b[1] + b[2] - a[1] - a[2]) * k, (b[1] - a[1]) * k, (b[2] - a[2]) * k
  }'
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; } # pid

field() { sed "s/.* $1=\([0-9]*\).*/\1/" <<<" $2"; } # name text
