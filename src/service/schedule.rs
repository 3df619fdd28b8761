//! Daily retrain schedule: [`Schedule`] (pure next-run computation) and the thread behind
//! [`ScheduleHandle`].

use std::sync::Arc;
use std::thread::JoinHandle;

use craic_core::Error;

use super::error::{ServiceError, ServiceResult};
use super::{Service, StopSignal};

const DAY: i64 = 86_400;

/// A daily time of day at a fixed UTC offset (no DST rules: use the offset in force, or UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    hour: u32,
    minute: u32,
    utc_offset_minutes: i32,
}

impl Schedule {
    /// The UTC offset of a daily schedule when the caller names none (the bindings' default):
    /// UTC itself.
    pub const UTC_OFFSET_MINUTES: i32 = 0;

    /// Every day at `hour:minute` local time, local = UTC + `utc_offset_minutes`
    /// (−1080..=1080, i.e. ±18 h). `InvalidConfig` for an hour ≥ 24 or a minute ≥ 60.
    pub fn daily_at(hour: u32, minute: u32, utc_offset_minutes: i32) -> ServiceResult<Schedule> {
        if hour >= 24 || minute >= 60 || !(-1080..=1080).contains(&utc_offset_minutes) {
            return Err(ServiceError::Core(Error::InvalidConfig(format!(
                "invalid daily schedule {hour:02}:{minute:02} at UTC offset {utc_offset_minutes} min"
            ))));
        }
        Ok(Schedule {
            hour,
            minute,
            utc_offset_minutes,
        })
    }

    /// The first run strictly after `unix` (seconds), as unix seconds.
    pub fn next_after(&self, unix: i64) -> i64 {
        let offset = i64::from(self.utc_offset_minutes) * 60;
        let local = unix + offset;
        let at = i64::from(self.hour) * 3600 + i64::from(self.minute) * 60;
        let mut run = local.div_euclid(DAY) * DAY + at;
        if run <= local {
            run += DAY;
        }
        run - offset
    }
}

/// Runs scheduled retrains until dropped (or [`ScheduleHandle::stop`]ped): dropping the handle
/// stops the schedule, so keep it for as long as retrains should run.
#[derive(Debug)]
#[must_use = "dropping the handle stops the schedule at once"]
pub struct ScheduleHandle {
    stop: Arc<StopSignal>,
    thread: Option<JoinHandle<()>>,
}

impl ScheduleHandle {
    /// Stops the thread and waits for it (a retrain in progress finishes first).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ScheduleHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl Service {
    /// Starts a thread that sleeps until the schedule's next run, retrains with the serving
    /// configuration (skipping the run if a retrain is already running — never two at once),
    /// then checks the alerts, and so on until the handle is dropped.
    pub fn start_schedule(&self, schedule: Schedule) -> ScheduleHandle {
        let stop = Arc::new(StopSignal::default());
        let svc = self.clone();
        let signal = Arc::clone(&stop);
        // The first run is the first after now, read before the thread starts: a clock moved
        // right after this call is seen by the thread.
        let mut next = schedule.next_after(self.inner.now());
        let thread = std::thread::spawn(move || loop {
            // Sleep until `next` by the service's clock, waking early only to stop.
            if svc.inner.clock().wait_until(next, &signal) {
                return;
            }
            if let Ok(job) = svc.try_retrain(None) {
                let _ = job.wait();
            }
            let now = svc.inner.now();
            svc.check_alerts(now);
            next = schedule.next_after(now);
        });
        ScheduleHandle {
            stop,
            thread: Some(thread),
        }
    }
}
