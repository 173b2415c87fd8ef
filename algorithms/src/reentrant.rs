//! Reentrancy as a client-side wrapper: the holder may acquire the lock
//! again, and the lock is released when releases match acquisitions.
//!
//! Reference: Curator's `InterProcessMutex` and Java's `ReentrantLock` keep
//! the hold count in the client (the lock service sees one acquisition and
//! one release); Redisson keeps it in the server's hash instead. None of the
//! designs here is natively reentrant, so every lock-based design gets it
//! from this wrapper. A nested acquire returns at once with the outer
//! acquisition's token and sends nothing.

use crate::lock::{AcquireMode, Acquired, LockClient, LockFuture, Released};

pub struct Reentrant {
    inner: Box<dyn LockClient>,
    /// Acquisitions not yet matched by a release (0: not held).
    holds: u32,
    token: Option<u64>,
}

impl Reentrant {
    pub fn new(inner: Box<dyn LockClient>) -> Reentrant {
        Reentrant { inner, holds: 0, token: None }
    }

    /// Acquisitions not yet matched by a release.
    pub fn holds(&self) -> u32 {
        self.holds
    }

    async fn acquire_counted(&mut self, mode: AcquireMode) -> Acquired {
        if self.holds > 0 {
            self.holds += 1;
            return Acquired::Held { token: self.token };
        }
        let result = self.inner.acquire(mode).await;
        if let Acquired::Held { token } = result {
            (self.holds, self.token) = (1, token);
        }
        result
    }

    async fn release_counted(&mut self) -> Released {
        match self.holds {
            // Not held by this wrapper (e.g. cleaning up after an unknown acquire): pass through.
            0 => self.inner.release().await,
            1 => {
                self.holds = 0;
                self.inner.release().await
            }
            _ => {
                self.holds -= 1;
                Released::Released
            }
        }
    }
}

impl LockClient for Reentrant {
    fn acquire(&mut self, mode: AcquireMode) -> LockFuture<'_, Acquired> {
        Box::pin(self.acquire_counted(mode))
    }

    fn release(&mut self) -> LockFuture<'_, Released> {
        Box::pin(self.release_counted())
    }

    fn check(&mut self) -> Option<bool> {
        self.inner.check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    /// Counts what reaches the lock service.
    struct Counting {
        acquires: Arc<AtomicU32>,
        releases: Arc<AtomicU32>,
    }

    impl LockClient for Counting {
        fn acquire(&mut self, _mode: AcquireMode) -> LockFuture<'_, Acquired> {
            let n = self.acquires.fetch_add(1, Ordering::Relaxed) as u64;
            Box::pin(std::future::ready(Acquired::Held { token: Some(100 + n) }))
        }

        fn release(&mut self) -> LockFuture<'_, Released> {
            self.releases.fetch_add(1, Ordering::Relaxed);
            Box::pin(std::future::ready(Released::Released))
        }
    }

    fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
        madsim::runtime::Runtime::new().block_on(f)
    }

    #[test]
    fn the_lock_is_released_when_releases_match_acquisitions() {
        let (acquires, releases) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
        let inner = Counting { acquires: acquires.clone(), releases: releases.clone() };
        let mut lock = Reentrant::new(Box::new(inner));
        block_on(async {
            for _ in 0..3 {
                assert_eq!(lock.acquire(AcquireMode::Blocking).await, Acquired::Held { token: Some(100) });
            }
            assert_eq!((acquires.load(Ordering::Relaxed), lock.holds()), (1, 3), "nested acquires send nothing");
            lock.release().await;
            lock.release().await;
            assert_eq!(releases.load(Ordering::Relaxed), 0, "still held twice over: nothing released");
            lock.release().await;
            assert_eq!((releases.load(Ordering::Relaxed), lock.holds()), (1, 0));
            // A fresh acquisition after the last release goes to the service again, with its new token.
            assert_eq!(lock.acquire(AcquireMode::Try).await, Acquired::Held { token: Some(101) });
            assert_eq!(acquires.load(Ordering::Relaxed), 2);
        });
    }
}
