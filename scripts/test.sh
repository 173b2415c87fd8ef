#!/usr/bin/env bash
# The test suite: formatting, lints (warnings are errors), then every test.
# README's test command; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo test --workspace
