#!/usr/bin/env bash
# Mutation testing of the safety-critical code of algorithms/ (issue 13):
# cargo-mutants breaks one thing at a time (a quorum, a validity or expiry
# comparison, a renewal, a token or version check, the lock recipe's
# lowest-node rule) and runs the fast mutant-killing target
# scenarios/tests/mutants.rs against each mutant. A mutant that survives is a
# gap: a test that kills it, or a note saying why it is equivalent (see the
# closing note of issue 13 for the last run).
#
# Needs `cargo install cargo-mutants` (not part of the test suite: a full run
# see the closing note of issue 13 for its wall time on 2 cores). Results go to target/mutants.out/.
#
# Usage: scripts/mutants.sh [--list] [extra cargo-mutants arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

# The functions under test, as regexes over cargo-mutants' mutant names.
safety_critical=(
  'RedlockConfig::(quorum|drift)' 'RedlockClient::round' 'for RedlockClient>::check'
  'LeaseConfig::usable' 'LeaseTable::grantable' 'Tokens::next' 'Renewal::run' 'for LeaseClient>::check'
  'EphemeralLock::(wait_turn|acquire_node)' 'for EphemeralLock>::check'
  'OptimisticClient::run_op'
  'resource.rs.*(judge|fence_read)'
  'database.rs.*(Table::nextval|Granted::token)'
)
re=$(IFS='|'; echo "${safety_critical[*]}")

if [[ "${1:-}" == "--list" ]]; then
  exec cargo mutants --list -p algorithms --re "$re"
fi
# Each mutant runs the unit tests of algorithms and scenarios (`--lib`: they
# pin a token layout, a drift margin, a lease's usable time) and the
# mutant-killing target. cargo-mutants 27 runs its baseline on the mutated
# package's tests only, where `--test=mutants` does not exist: the baseline is
# skipped (the target passes on an unmutated tree: it is part of the test
# suite) and the timeout given (the tests take about 30 s in debug).
exec cargo mutants -p algorithms --re "$re" \
  --test-package=algorithms --test-package=scenarios \
  --cargo-test-arg=--lib --cargo-test-arg=--test=mutants \
  --baseline=skip --timeout=180 \
  --output target "$@"
