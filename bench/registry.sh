#!/usr/bin/env bash
# Follower writes per second on the registry: SQLite (a WAL file) and PostgreSQL.
#
# Records N subscribes of new followers (each with a full profile and a QR scene, the write a
# gateway makes per `subscribe` push), from C concurrent tasks through one registry handle,
# then refreshes every profile with upsert_follower; prints operations per second for each
# backend. Target (issue 8): ≥ 2,000 subscribes/s recorded.
#
# PostgreSQL comes from WXGATE_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test);
# the bench works in a schema of its own and drops it. Without a server it says so and measures
# SQLite only.
#
# Usage: bench/registry.sh [FOLLOWERS] [CONCURRENCY]   (defaults: 20000 16)
set -euo pipefail
cd "$(dirname "$0")/.."
export WXGATE_BENCH_FOLLOWERS=${1:-20000}
export WXGATE_BENCH_CONCURRENCY=${2:-16}
nproc_=$(nproc)
echo "host: $nproc_ cores; $(uname -sr)"
cargo bench -q -p wxgate-store --bench registry
