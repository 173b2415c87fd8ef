//! How workloads use a lock: acquire with the chosen pattern, re-enter when
//! asked to, release, and record every step in the history.
//!
//! Promises: every acquire and release is recorded as invoke + outcome
//! (`ok` / `fail` / `info`), named when the workload uses several locks; an
//! acquire whose outcome is unknown (`info`: a timed-out attempt may have
//! taken the lock late) is followed at once by a release, so a late success
//! does not keep the lock until it expires. With `reentrant`, every hold is
//! two nested acquisitions (the guarded code calls a helper that takes the
//! same lock) released in reverse order; the lock service sees one, and the
//! inner pair is recorded as `nested-acquire` / `nested-release` so metrics
//! count acquisitions of the lock, not of the hold count.

use algorithms::lock::{AcquireMode, Acquired, Client, LockClient, Released};
use algorithms::reentrant::Reentrant;
use sim::check::DEFAULT_LOCK;
use sim::history::{EventKind, Op, Outcome};
use sim::world::NodeCtx;

use super::Pattern;

/// The mark a client makes right before a guarded write, after the lock's
/// validity check if the design has one ([`WorkLock::still_valid`]).
pub const LOCK_CHECKED: &str = "lock-checked";

/// One named lock of one client.
pub struct WorkLock {
    /// `None`: the workload's only lock (recorded without a name).
    name: Option<String>,
    lock: Box<dyn LockClient>,
    pattern: Pattern,
}

impl WorkLock {
    /// Wrap a design's client; `name` is recorded with each operation.
    pub fn new(client: Client, name: Option<String>, pattern: Pattern) -> WorkLock {
        let Client::Lock(lock) = client else { panic!("workload needs a lock; the registry checks designs first") };
        let lock: Box<dyn LockClient> = if pattern.reentrant { Box::new(Reentrant::new(lock)) } else { lock };
        WorkLock { name, lock, pattern }
    }

    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or(DEFAULT_LOCK)
    }

    /// Acquire with the workload's pattern; `Some(token)` when held.
    pub async fn acquire(&mut self, ctx: &NodeCtx) -> Option<Option<u64>> {
        self.acquire_with(ctx, self.pattern.mode).await
    }

    /// Acquire with `mode` (a semaphore tries each permit once).
    pub async fn acquire_with(&mut self, ctx: &NodeCtx, mode: AcquireMode) -> Option<Option<u64>> {
        let token = self.acquire_once(ctx, mode, Op::Acquire).await?;
        if self.pattern.reentrant {
            // The nested acquisition: the wrapper answers at once with the same token.
            self.acquire_once(ctx, mode, Op::NestedAcquire).await;
        }
        Some(token)
    }

    async fn acquire_once(&mut self, ctx: &NodeCtx, mode: AcquireMode, op: Op) -> Option<Option<u64>> {
        ctx.record(EventKind::Invoke { op, lock: self.name.clone() });
        let result = self.lock.acquire(mode).await;
        let (outcome, token) = match result {
            Acquired::Held { token } => (Outcome::Ok, token),
            Acquired::Busy => (Outcome::Fail, None),
            Acquired::Unknown => (Outcome::Info, None),
        };
        ctx.record(EventKind::Complete { op, outcome, token });
        match result {
            Acquired::Held { token } => Some(token),
            Acquired::Busy => None,
            Acquired::Unknown => {
                // It may have succeeded late: give it back rather than hold it unknowingly.
                self.release_once(ctx, Op::Release).await;
                None
            }
        }
    }

    /// Release a hold taken by [`WorkLock::acquire`] (both levels when reentrant).
    pub async fn release(&mut self, ctx: &NodeCtx) -> Released {
        if self.pattern.reentrant {
            self.release_once(ctx, Op::NestedRelease).await;
        }
        self.release_once(ctx, Op::Release).await
    }

    async fn release_once(&mut self, ctx: &NodeCtx, op: Op) -> Released {
        ctx.record(EventKind::Invoke { op, lock: self.name.clone() });
        let result = self.lock.release().await;
        let outcome = match result {
            Released::Released => Outcome::Ok,
            Released::NotHeld => Outcome::Fail,
            Released::Unknown => Outcome::Info,
        };
        ctx.record(EventKind::Complete { op, outcome, token: None });
        result
    }

    /// Ask the lock whether it is still valid right before acting on it, and
    /// record the answer (designs without such a check always go ahead).
    /// Going ahead is marked [`LOCK_CHECKED`]: the moment a pause makes the
    /// coming write stale whatever the check said (Kleppmann's case).
    pub fn still_valid(&mut self, ctx: &NodeCtx) -> bool {
        let valid = self.lock.check();
        if valid != Some(false) {
            ctx.mark(LOCK_CHECKED);
        }
        let Some(valid) = valid else { return true };
        let outcome = if valid { Outcome::Ok } else { Outcome::Fail };
        ctx.record(EventKind::Complete { op: Op::Check, outcome, token: None });
        valid
    }
}
