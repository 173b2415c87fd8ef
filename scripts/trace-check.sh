#!/usr/bin/env bash
# The refactor guard: runs a fixed matrix of seeds (every design x workload x
# built-in scenario, the example scenario files, and the patterns and
# reentrancy on a slice) and fingerprints what came out: every run's trace
# hash, the sha256 of its whole runs.csv row (every metric and figure), and
# the sha256 of every report file (report.md/html, plots, timelines,
# histories). `verify` (the default) compares that with the committed list
# scripts/trace-baseline.txt and prints the first differences; `capture`
# rewrites the list. A change that alters histories on purpose recaptures the
# list in the same commit and says so.
#
# Usage: scripts/trace-check.sh [verify|capture]
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-verify}
baseline=scripts/trace-baseline.txt
case "$mode" in verify | capture) ;; *) echo "usage: $0 [verify|capture]" >&2; exit 2 ;; esac

cargo build --release --quiet -p scenarios --bin locksim
locksim=target/release/locksim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Each line: a name for the report directory, then compare's arguments.
matrix() {
  echo "all -a all -s all -w all --seeds 7 --duration 20"
  echo "examples $(printf -- '--config %s ' scenarios/examples/*.toml) --seeds 5"
  echo "timeout -a database,cache,redlock,lease-fencing -s gc-pause,crash-restart -w inventory,leader-election --pattern timeout --timeout-ms 300 --seeds 3 --duration 20"
  echo "reentrant -a database,cache,redlock,ephemeral-sequential,lease-fencing -s gc-pause,partition -w inventory,cron --reentrant --seeds 3 --duration 20"
  echo "try -a cache,ephemeral-sequential -s none,clock-jump -w semaphore,transfer --pattern try --clients 7 --seeds 3 --duration 20"
}

fingerprint() {
  local name=$1 dir=$2
  # runs.csv: one line per run, "name label seed trace_hash row-sha" (parsed
  # as CSV: the faults column may hold quoted commas).
  python3 - "$name" "$dir/runs.csv" <<'PY'
import csv, hashlib, sys
name, path = sys.argv[1], sys.argv[2]
with open(path, newline="") as f:
    lines = f.read().splitlines()
for row, raw in zip(csv.DictReader(lines), lines[1:]):
    label = f"{row['algorithm']}/{row['scenario']}/{row['workload']}"
    print(f"run {name} {label} {row['seed']} {row['trace_hash']} {hashlib.sha256(raw.encode()).hexdigest()[:16]}")
PY
  (cd "$dir" && find . -type f ! -name runs.csv | LC_ALL=C sort | while read -r f; do
    echo "file $name ${f#./} $(sha256sum "$f" | cut -c1-16)"
  done)
}

out=$work/fingerprint.txt
: >"$out"
while read -r name args; do
  # shellcheck disable=SC2086 # the matrix lines are word lists on purpose
  "$locksim" compare $args --out "$work/$name" >/dev/null 2>"$work/$name.err" ||
    { echo "compare $name failed:" >&2; cat "$work/$name.err" >&2; exit 3; }
  fingerprint "$name" "$work/$name" >>"$out"
done < <(matrix)

runs=$(grep -c '^run ' "$out")
if [ "$mode" = capture ]; then
  cp "$out" "$baseline"
  echo "trace-check: captured $runs runs and $(grep -c '^file ' "$out") report files in $baseline"
  exit 0
fi
if diff -u "$baseline" "$out" >"$work/diff"; then
  echo "trace-check: $runs runs and every report file identical to $baseline"
else
  echo "trace-check: differs from $baseline ($(grep -c '^[-+][rf]' "$work/diff") lines); first differences:" >&2
  grep '^[-+][rf]' "$work/diff" | head -20 >&2
  exit 1
fi
