//! The one clock of a [`super::Service`].
//!
//! Every time the service uses comes from the request or event itself (`Request::now`, an
//! interaction's timestamp) or, when the caller gives none, from the service's [`Clock`]
//! ([`super::ServiceOptions::clock`]): model versions and creation times, retrain start and end,
//! exposure stamps, cache expiry, the schedule, drift and alert reports, the model-age gauge
//! and EMF timestamps. Only latency measurements (durations) use the monotonic `Instant`.
//!
//! [`SystemClock`] reads the wall clock; [`ManualClock`] is set by hand, so tests move time
//! instead of sleeping, and a waiting schedule wakes as soon as its time is reached.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::lock;

/// A stop flag with the condition variable its waiters sleep on.
#[derive(Debug, Default)]
pub struct StopSignal {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl StopSignal {
    /// Sets the flag and wakes every waiter.
    pub fn stop(&self) {
        *lock(&self.stopped) = true;
        self.wake.notify_all();
    }

    /// True once [`StopSignal::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        *lock(&self.stopped)
    }

    /// Wakes the waiters without stopping them (they re-read their clock).
    fn nudge(&self) {
        let _guard = lock(&self.stopped);
        self.wake.notify_all();
    }
}

/// Where a service reads the time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Unix time in milliseconds.
    fn now_ms(&self) -> i64;

    /// Unix time in seconds.
    fn now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// Blocks until this clock reads at least `deadline` (unix seconds) or `stop` is stopped;
    /// returns true when stopped.
    fn wait_until(&self, deadline: i64, stop: &Arc<StopSignal>) -> bool;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }

    fn wait_until(&self, deadline: i64, stop: &Arc<StopSignal>) -> bool {
        let mut stopped = lock(&stop.stopped);
        loop {
            if *stopped {
                return true;
            }
            let left = deadline - self.now();
            if left <= 0 {
                return false;
            }
            // Re-read the clock at least hourly (it may be stepped).
            let wait = Duration::from_secs(left.min(3600) as u64);
            stopped = stop
                .wake
                .wait_timeout(stopped, wait)
                .map(|(g, _)| g)
                .unwrap_or_else(|p| p.into_inner().0);
        }
    }
}

/// A clock that only moves when told to ([`ManualClock::set`], [`ManualClock::advance`]);
/// cheap to clone (clones share the time). For tests and replays.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    inner: Arc<ManualInner>,
}

#[derive(Debug, Default)]
struct ManualInner {
    now_ms: AtomicI64,
    /// The stop signals of threads waiting on this clock, woken when it moves.
    waiters: Mutex<Vec<Weak<StopSignal>>>,
}

impl ManualClock {
    /// A clock reading `unix_secs`.
    pub fn at(unix_secs: i64) -> ManualClock {
        let c = ManualClock::default();
        c.set_ms(unix_secs.saturating_mul(1000));
        c
    }

    /// Sets the time to `unix_secs`.
    pub fn set(&self, unix_secs: i64) {
        self.set_ms(unix_secs.saturating_mul(1000));
    }

    /// Sets the time to `unix_ms` milliseconds and wakes every waiting thread.
    pub fn set_ms(&self, unix_ms: i64) {
        self.inner.now_ms.store(unix_ms, Ordering::SeqCst);
        let mut waiters = lock(&self.inner.waiters);
        waiters.retain(|w| match w.upgrade() {
            Some(signal) => {
                signal.nudge();
                true
            }
            None => false,
        });
    }

    /// Moves the time forward by `by`.
    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.set_ms(self.now_ms().saturating_add(by));
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.inner.now_ms.load(Ordering::SeqCst)
    }

    fn wait_until(&self, deadline: i64, stop: &Arc<StopSignal>) -> bool {
        lock(&self.inner.waiters).push(Arc::downgrade(stop));
        let mut stopped = lock(&stop.stopped);
        loop {
            if *stopped {
                return true;
            }
            // Read under the signal's lock: `set_ms` takes it before waking, so a move between
            // this check and the wait is never missed.
            if self.now() >= deadline {
                return false;
            }
            stopped = stop.wake.wait(stopped).unwrap_or_else(|p| p.into_inner());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::at(1_700_000_000);
        assert_eq!(c.now(), 1_700_000_000);
        c.advance(Duration::from_millis(1_500));
        assert_eq!(c.now_ms(), 1_700_000_001_500);
        assert_eq!(c.clone().now(), 1_700_000_001);
    }

    #[test]
    fn a_waiter_wakes_when_the_manual_clock_reaches_its_deadline_or_is_stopped() {
        let c = ManualClock::at(100);
        let stop = Arc::new(StopSignal::default());
        let waiter = {
            let (c, stop) = (c.clone(), Arc::clone(&stop));
            std::thread::spawn(move || c.wait_until(160, &stop))
        };
        c.set(159); // not yet: the waiter keeps waiting
        c.set(160);
        assert!(!waiter.join().unwrap(), "woken by the clock, not stopped");

        let waiter = {
            let (c, stop) = (c.clone(), Arc::clone(&stop));
            std::thread::spawn(move || c.wait_until(1_000, &stop))
        };
        stop.stop();
        assert!(waiter.join().unwrap(), "stopped");
    }
}
