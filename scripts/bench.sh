#!/usr/bin/env bash
# Simulation speed on one core, per design, against a bare madsim RPC loop.
# Usage: scripts/bench.sh [SEEDS]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release --quiet -p scenarios --bin locksim -- bench --seeds "${1:-20}"
