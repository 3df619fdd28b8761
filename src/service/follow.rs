//! A background thread keeping a store-backed replica current: [`Service::start_following`].

use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::{lock, Service};

#[derive(Debug, Default)]
struct Progress {
    stop: bool,
    rounds: u64,
    last_error: Option<String>,
}

#[derive(Debug, Default)]
struct Shared {
    progress: Mutex<Progress>,
    changed: Condvar,
}

/// The thread started by [`Service::start_following`]; stops it when dropped or
/// [`FollowHandle::stop`]ped.
#[derive(Debug)]
pub struct FollowHandle {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl FollowHandle {
    /// Rounds completed so far (each: [`Service::sync_model`], then [`Service::catch_up`]).
    pub fn rounds(&self) -> u64 {
        lock(&self.shared.progress).rounds
    }

    /// The error of the last round, if it failed (for example `store_unavailable` while the
    /// database is down; the next round retries).
    pub fn last_error(&self) -> Option<String> {
        lock(&self.shared.progress).last_error.clone()
    }

    /// Blocks until a round that started after this call has completed (for tests and for
    /// callers that must see the store's state as of now).
    pub fn wait_round(&self) {
        let mut p = lock(&self.shared.progress);
        // The round running now may have read the store before this call: wait for the next.
        let target = p.rounds + 2;
        while p.rounds < target && !p.stop {
            p = self
                .shared
                .changed
                .wait(p)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Stops the thread and waits for it.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        lock(&self.shared.progress).stop = true;
        self.shared.changed.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for FollowHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl Service {
    /// Starts a thread that, every `interval`, hot-swaps in the store's current model version
    /// if it changed ([`Service::sync_model`]) and applies the log rows appended since
    /// ([`Service::catch_up`]). Errors are kept in [`FollowHandle::last_error`] (and counted
    /// in `craic_errors_total`); the next round retries. For a service that is not
    /// store-backed every round fails with `store_invalid_input`.
    pub fn start_following(&self, interval: Duration) -> FollowHandle {
        let shared = Arc::new(Shared::default());
        let svc = self.clone();
        let state = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("craic-follow".into())
            .spawn(move || loop {
                let out = svc.sync_model().and_then(|_| svc.catch_up());
                let mut p = lock(&state.progress);
                p.rounds += 1;
                p.last_error = out.err().map(|e| e.to_string());
                state.changed.notify_all();
                if !p.stop {
                    p = state
                        .changed
                        .wait_timeout_while(p, interval, |p| !p.stop)
                        .map(|(p, _)| p)
                        .unwrap_or_else(|e| e.into_inner().0);
                }
                if p.stop {
                    return;
                }
            })
            .ok();
        if thread.is_none() {
            let mut p = lock(&shared.progress);
            p.stop = true;
            p.last_error = Some("cannot start the follow thread".into());
        }
        FollowHandle { shared, thread }
    }
}
