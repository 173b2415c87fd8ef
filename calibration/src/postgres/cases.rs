//! The PostgreSQL cases: what the lock libraries' statements do on
//! PostgreSQL (the unique-key insert, the compare-and-swap update and its
//! rows affected, the owner-checked delete, expiry judged on the stamping
//! clock), what a client that times out cannot know, and the primitives the
//! `database` design does not use, as the PostgreSQL documentation says
//! (`INSERT` / unique indexes, "Explicit Locking": row-level locks and
//! advisory locks, `statement_timeout` in "Client Connection Defaults").

use algorithms::database::ClockSource;

use super::{Case, Op, Setup, SHEDLOCK, SPRING};
use crate::script::Outcome;

/// Lock expiry short enough to wait out, long enough that a few ms of
/// scheduling cannot flip a case.
const SHORT_MS: u64 = 300;

/// Why the row-lock and advisory-lock cases have no model: no reference
/// the `database` design follows takes these locks.
const NO_ROW_LOCKS: &str = "neither Spring's JdbcLockRegistry nor ShedLock takes row locks \
                            explicitly; the design's statements are single atomic steps";
const NO_ADVISORY: &str = "the database design follows Spring and ShedLock, which use lock rows; a session lock \
                           would be a design of its own, nearest to an ephemeral node";

/// Every PostgreSQL case, in the order the suite prints them.
pub fn cases() -> Vec<Case> {
    use Op::*;
    use Outcome::*;
    let (a, r) = (|client| Acquire { client }, |client| Release { client });
    let wait = |ms| Wait { ms };
    let short = |s: Setup| Setup { expiry_ms: SHORT_MS, ..s };
    let db_time = |s: Setup| Setup { clock: ClockSource::Database, ..s };
    vec![
        Case::new(
            "spring-inserts-a-free-lock-row",
            "Spring's acquire on a free lock: the UPDATE matches no row, the INSERT makes it",
            SPRING,
            vec![a(0), ReadOwner],
            vec![Acquired(true), Owner(Some(0))],
        ),
        Case::new(
            "spring-a-second-insert-is-a-unique-violation",
            "another client's UPDATE matches no live row and its INSERT fails with unique_violation (23505): held",
            SPRING,
            vec![a(0), a(1), ReadOwner],
            vec![Acquired(true), Acquired(false), Owner(Some(0))],
        ),
        Case::new(
            "spring-the-owner-re-acquires-its-own-row",
            "UPDATE ... WHERE CLIENT_ID=? matches the owner's own row (a retry after a lost reply succeeds)",
            SPRING,
            vec![a(0), a(0), ReadOwner],
            vec![Acquired(true), Acquired(true), Owner(Some(0))],
        ),
        Case::new(
            "spring-an-expired-row-is-taken-over",
            "UPDATE ... WHERE CREATED_DATE < now - TTL takes over a row older than the TTL, not a younger one",
            short(SPRING),
            vec![a(0), wait(SHORT_MS / 2), a(1), wait(SHORT_MS + 100), a(1), ReadOwner],
            vec![Acquired(true), Waited, Acquired(false), Waited, Acquired(true), Owner(Some(1))],
        ),
        Case::new(
            "spring-delete-checks-the-owner",
            "DELETE ... AND CLIENT_ID=? deletes only the caller's row (rows affected 0 for another client)",
            SPRING,
            vec![a(0), r(1), ReadOwner, r(0), ReadOwner],
            vec![Acquired(true), Released(false), Owner(Some(0)), Released(true), Owner(None)],
        ),
        Case::new(
            "shedlock-refuses-even-its-own-live-row",
            "INSERT hits the key, UPDATE ... WHERE lock_until <= now changes 0 rows, whoever asks",
            SHEDLOCK,
            vec![a(0), a(0), a(1), ReadOwner],
            vec![Acquired(true), Acquired(false), Acquired(false), Owner(Some(0))],
        ),
        Case::new(
            "shedlock-cas-update-takes-a-row-once-lock-until-passes",
            "the compare-and-swap UPDATE changes 0 rows before lock_until and 1 row after",
            short(SHEDLOCK),
            vec![a(0), wait(SHORT_MS / 2), a(1), wait(SHORT_MS + 100), a(1), ReadOwner],
            vec![Acquired(true), Waited, Acquired(false), Waited, Acquired(true), Owner(Some(1))],
        ),
        Case::new(
            "shedlock-unlock-by-name-frees-a-successors-lock",
            "client-time unlock is UPDATE ... WHERE name=?: a late unlock by an expired holder frees the next holder's lock",
            short(SHEDLOCK),
            vec![a(0), wait(SHORT_MS + 100), a(1), r(0), a(2), ReadOwner],
            vec![Acquired(true), Waited, Acquired(true), Released(true), Acquired(true), Owner(Some(2))],
        ),
        Case::new(
            "shedlock-db-time-unlock-checks-locked-by",
            "usingDbTime(): the upsert expires rows on now(), and unlock also matches locked_by",
            db_time(short(SHEDLOCK)),
            vec![a(0), wait(SHORT_MS + 100), a(1), r(0), a(2), r(1), a(2), ReadOwner],
            vec![
                Acquired(true),
                Waited,
                Acquired(true),
                Released(false),
                Acquired(false),
                Released(true),
                Acquired(true),
                Owner(Some(2)),
            ],
        ),
        Case::new(
            "shedlock-lock-at-least-for-outlives-the-unlock",
            "unlock sets lock_until to locked_at + lockAtLeastFor while that is later than now",
            Setup { lock_at_least_ms: SHORT_MS, ..db_time(SHEDLOCK) },
            vec![a(0), r(0), a(1), wait(SHORT_MS + 100), a(1)],
            vec![Acquired(true), Released(true), Acquired(false), Waited, Acquired(true)],
        ),
        Case::new(
            "a-commit-the-client-gave-up-on-still-commits",
            "a client whose timeout passes during a slow COMMIT closes its connection not knowing; the row is its own",
            Setup { commit_ms: 400, client_timeout_ms: 100, ..SPRING },
            vec![a(0), wait(700), ReadOwner],
            vec![Unknown, Waited, Owner(Some(0))],
        ),
        Case::new(
            "statement-timeout-cancels-and-rolls-back",
            "an acquire blocked on a locked row past statement_timeout fails with 57014 and rolls back: the client knows",
            short(SPRING),
            vec![
                a(0),
                HoldRowLock { client: 2 },
                wait(SHORT_MS + 100),
                StatementTimeout { client: 1, ms: 100 },
                a(1),
                Commit { client: 2 },
                ReadOwner,
            ],
            vec![Acquired(true), Rows(1), Waited, Waited, Error("57014"), Waited, Owner(Some(0))],
        )
        .not_modelled(
            "neither library sets a statement_timeout (Spring's JdbcTemplate queryTimeout is -1); the model's \
             op_timeout_ms is the client's socket timeout, whose outcome is unknown (the case above)",
        ),
        Case::new(
            "for-update-nowait-and-skip-locked-do-not-wait",
            "a row locked FOR UPDATE: NOWAIT fails at once with 55P03, SKIP LOCKED returns no row, until COMMIT",
            SPRING,
            vec![
                a(0),
                HoldRowLock { client: 0 },
                RowLockNowait { client: 1 },
                RowLockSkipLocked { client: 1 },
                Commit { client: 0 },
                RowLockSkipLocked { client: 1 },
            ],
            vec![Acquired(true), Rows(1), Error("55P03"), Rows(0), Waited, Rows(1)],
        )
        .not_modelled(NO_ROW_LOCKS),
        Case::new(
            "an-advisory-lock-lives-as-long-as-its-session",
            "pg_try_advisory_lock: refused to another session, re-entered by its own, freed when its session ends",
            SPRING,
            vec![
                TryAdvisoryLock { client: 0 },
                TryAdvisoryLock { client: 1 },
                TryAdvisoryLock { client: 0 },
                Disconnect { client: 0 },
                wait(200),
                TryAdvisoryLock { client: 1 },
            ],
            vec![Acquired(true), Acquired(false), Acquired(true), Waited, Waited, Acquired(true)],
        )
        .not_modelled(NO_ADVISORY),
    ]
}
