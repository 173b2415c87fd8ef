#!/usr/bin/env bash
# The test suite: formatting, lints (warnings are errors), no import cycles
# between files of different concerns, then every test.
# README's test command; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
python3 scripts/import-cycles.py
cargo test --workspace
# Each hazard scenario against its reference, over hundreds of seeds: in
# release (minutes there, far longer in a debug build).
cargo test --release -p scenarios --test hazards -- --ignored
