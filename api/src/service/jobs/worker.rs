//! Workers: claim a due job, run its handler (a panic counts as a failure), keep the lease
//! while it runs, record the outcome, schedule the next run of scheduled tasks.

use super::{claim, finish, renew, schedule};
use crate::state::AppState;
use chrono::Utc;
use entity::job;
use std::time::Duration;

/// Gives every scheduled task a pending run one period from now, unless it has one.
pub async fn schedule_all(state: &AppState) -> crate::error::AppResult<()> {
    for (kind, period) in state.jobs.schedules() {
        let first = Utc::now() + chrono::Duration::from_std(period).unwrap_or_default();
        schedule(&state.db, state, &kind, first).await?;
    }
    Ok(())
}

/// Runs `count` workers until the returned handles are aborted.
pub async fn run_workers(state: AppState, count: usize) -> Vec<tokio::task::JoinHandle<()>> {
    (0..count)
        .map(|n| {
            let state = state.clone();
            let name = format!("{}-{n}", uuid::Uuid::new_v4().simple());
            tokio::spawn(async move { worker(state, name).await })
        })
        .collect()
}

async fn worker(state: AppState, name: String) {
    let idle = Duration::from_millis(state.config.job_poll_ms.max(10));
    loop {
        match work_once(&state, &name).await {
            Ok(true) => {}
            Ok(false) => tokio::time::sleep(idle).await,
            Err(e) => {
                tracing::warn!(error = ?e, "job worker could not claim");
                tokio::time::sleep(idle).await;
            }
        }
    }
}

/// Claims and runs one job; false when none was due.
pub async fn work_once(state: &AppState, worker: &str) -> crate::error::AppResult<bool> {
    let lease = chrono::Duration::seconds(state.config.job_lease_secs.max(1) as i64);
    let Some(job) = claim(&state.db, worker, lease).await? else {
        return Ok(false);
    };
    let outcome = if job.attempts > job.max_attempts {
        // Claimed again after its lease ran out more often than it may be tried.
        Err("its worker stopped during every attempt".to_string())
    } else {
        run(state, &job, worker, lease).await
    };
    if let Err(e) = &outcome {
        tracing::warn!(job = %job.id, kind = job.kind, attempt = job.attempts, error = e, "job failed");
    }
    let succeeded = outcome.is_ok();
    finish(&state.db, state, &job, worker, outcome).await?;
    if succeeded && let Some(period) = state.jobs.period(&job.kind) {
        let next = Utc::now() + chrono::Duration::from_std(period).unwrap_or_default();
        schedule(&state.db, state, &job.kind, next).await?;
    }
    Ok(true)
}

async fn run(
    state: &AppState,
    job: &job::Model,
    worker: &str,
    lease: chrono::Duration,
) -> Result<(), String> {
    let Some(handler) = state.jobs.handler(&job.kind) else {
        return Err(format!("no handler for jobs of kind {}", job.kind));
    };
    let payload = serde_json::from_str(&job.payload).unwrap_or(serde_json::Value::Null);
    // In a task of its own, so a panic is caught as a failure and the worker goes on.
    let mut task = tokio::spawn(handler(state.clone(), payload));
    let every = lease.to_std().unwrap_or(Duration::from_secs(60)) / 3;
    loop {
        tokio::select! {
            r = &mut task => {
                return match r {
                    Ok(outcome) => outcome,
                    Err(e) if e.is_panic() => Err(panic_message(e.into_panic())),
                    Err(e) => Err(e.to_string()),
                };
            }
            _ = tokio::time::sleep(every) => {
                if !matches!(renew(&state.db, job.id, worker, lease).await, Ok(true)) {
                    task.abort();
                    return Err("the lease was lost".into());
                }
            }
        }
    }
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    let what = p
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into());
    format!("the handler panicked: {what}")
}
