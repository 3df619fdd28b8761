//! Crash-safe snapshot files.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use craic_core::{Engine, SnapshotMeta};

use super::error::{ServiceError, ServiceResult};
use super::training::{InMemorySource, TrainingData, TrainingSource};
use super::{ModelInfo, Service, ServiceOptions};

impl Service {
    /// Writes the serving model to `path` atomically: a temporary file in the same directory
    /// (`.<name>.tmp-<pid>-<n>`) is written and fsynced, renamed over `path`, and the directory
    /// fsynced. A crash leaves either the old file or the new one (plus, at worst, a stray
    /// temporary file that loading never reads).
    pub fn save_snapshot(&self, path: impl AsRef<Path>) -> ServiceResult<()> {
        let path = path.as_ref();
        let serving = self.inner.serving.load_full();
        let meta = SnapshotMeta {
            version: serving.info.version.clone(),
            created_at: serving.info.created_at,
            metrics: serving.info.metrics.clone(),
            ..SnapshotMeta::default()
        };
        let bytes = serving.engine.to_snapshot(&meta)?;
        drop(serving);
        let out = write_atomic(path, &bytes);
        if let Err(e) = &out {
            self.inner.metrics.error("save_snapshot", e.kind().as_str());
        }
        out
    }

    /// Loads a service from a [`Service::save_snapshot`] file. A missing or unreadable file is
    /// an `io` error, a truncated or corrupt one `invalid_snapshot`.
    ///
    /// The snapshot holds the model, not the interaction log: with the default in-memory
    /// source the restored service knows the catalogue and preferences, and retrains only on
    /// interactions recorded after the restart (the gate's [`super::Gate::min_data_ratio`]
    /// then refuses the candidate). In production run the service on a store instead
    /// ([`Service::open`]: the registry's model, tailed from its cursor, retrained on the whole
    /// log), or pass a storage-backed [`TrainingSource`] in `options.source`.
    pub fn from_snapshot_file(
        path: impl AsRef<Path>,
        options: ServiceOptions,
    ) -> ServiceResult<Service> {
        let path = path.as_ref();
        let bytes = fs::read(path).map_err(|e| ServiceError::io(path, e))?;
        let (engine, meta) = Engine::from_snapshot(&bytes)?;
        let info = ModelInfo {
            version: meta.version,
            created_at: meta.created_at,
            metrics: meta.metrics,
        };
        let (source, data): (Arc<dyn TrainingSource>, TrainingData) = match &options.source {
            Some(s) => (Arc::clone(s), s.load()?),
            None => {
                let (_, users, items) = engine.interaction_matrix();
                let data = TrainingData {
                    items: items.iter().filter_map(|i| engine.item(i)).collect(),
                    preferences: users
                        .into_iter()
                        .filter_map(|u| engine.preferences(&u).map(|p| (u, p)))
                        .collect(),
                    interactions: Vec::new(),
                    removed: engine.removed_items(),
                };
                (Arc::new(InMemorySource::with_data(data.clone())), data)
            }
        };
        Ok(Service::assemble(
            engine,
            Some(info),
            &data,
            options,
            source,
        ))
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> ServiceResult<()> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "snapshot".into());
    let tmp = dir.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let write = || -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        Ok(())
    };
    if let Err(e) = write() {
        let _ = fs::remove_file(&tmp);
        return Err(ServiceError::io(&tmp, e));
    }
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(ServiceError::io(path, e));
    }
    // Make the rename durable. Opening a directory for fsync works on Unix; elsewhere skip.
    #[cfg(unix)]
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| ServiceError::io(&dir, e))?;
    Ok(())
}
