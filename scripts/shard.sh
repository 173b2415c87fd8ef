#!/usr/bin/env bash
# Run one shard of a comparison (or, with COMMAND=sweep, of a sweep), for batch engines that start N copies of a
# job with an index: a Kubernetes Indexed Job ($JOB_COMPLETION_INDEX) or a
# Slurm job array ($SLURM_ARRAY_TASK_ID). Shard i runs seeds
# [i * SEEDS_PER_SHARD, (i + 1) * SEEDS_PER_SHARD) of every cell and writes
# its report directory to $OUT_ROOT/shard-i. Merge the shards afterwards with
#   locksim report $OUT_ROOT/shard-* --out $OUT_ROOT/merged
# whose numbers equal one unsharded run over the same seeds.
#
# Usage: scripts/shard.sh [extra compare options, e.g. -a cache,redlock -s gc-pause]
#        COMMAND=sweep scripts/shard.sh --config scenarios/examples/sweeps/ttl-x-pause.toml
# Environment: COMMAND (compare or sweep; default compare),
#              SEEDS_PER_SHARD (default 200), OUT_ROOT (default shards),
#              SHARD_INDEX (overrides the engine's index), LOCKSIM (binary; default: cargo run).
set -euo pipefail
index="${SHARD_INDEX:-${JOB_COMPLETION_INDEX:-${SLURM_ARRAY_TASK_ID:-}}}"
if [ -z "$index" ]; then
  echo "shard.sh: no shard index (set SHARD_INDEX, or run under a Kubernetes Indexed Job or a Slurm array)" >&2
  exit 2
fi
per="${SEEDS_PER_SHARD:-200}"
out="${OUT_ROOT:-shards}/shard-$index"
if [ -n "${LOCKSIM:-}" ]; then
  run=("$LOCKSIM")
else
  cd "$(dirname "$0")/.."
  run=(cargo run --release -q -p scenarios --bin locksim --)
fi
# --resume: a shard retried by the engine continues where it stopped.
command="${COMMAND:-compare}"
case "$command" in compare | sweep) ;; *) echo "shard.sh: COMMAND must be compare or sweep, not '$command'" >&2; exit 2 ;; esac
exec "${run[@]}" "$command" --seed-start $((index * per)) --seeds "$per" --out "$out" --resume "$@"
