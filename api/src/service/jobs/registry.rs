//! What each kind of job does, and which kinds run on a schedule.

use crate::state::AppState;
use futures::future::BoxFuture;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Runs one job from its payload; an `Err` is retried. Handlers must be idempotent: a job
/// whose worker dies is run again.
pub type Handler = Arc<
    dyn Fn(AppState, serde_json::Value) -> BoxFuture<'static, Result<(), String>> + Send + Sync,
>;

#[derive(Default)]
pub struct Registry {
    handlers: RwLock<HashMap<String, Handler>>,
    schedules: RwLock<Vec<(String, Duration)>>,
}

impl Registry {
    pub fn register(&self, kind: &str, handler: Handler) {
        if let Ok(mut h) = self.handlers.write() {
            h.insert(kind.to_string(), handler);
        }
    }

    /// Runs `kind` every `period`, one pending run at a time across replicas.
    pub fn every(&self, kind: &str, period: Duration, handler: Handler) {
        self.register(kind, handler);
        if let Ok(mut s) = self.schedules.write() {
            s.push((kind.to_string(), period));
        }
    }

    pub fn handler(&self, kind: &str) -> Option<Handler> {
        self.handlers.read().ok()?.get(kind).cloned()
    }

    pub fn schedules(&self) -> Vec<(String, Duration)> {
        self.schedules.read().map(|s| s.clone()).unwrap_or_default()
    }

    pub fn period(&self, kind: &str) -> Option<Duration> {
        self.schedules()
            .into_iter()
            .find(|(k, _)| k == kind)
            .map(|(_, p)| p)
    }
}
