//! Background jobs in the API, for administrators: `jobs` and `retryJob`.

use super::connection::wants_total;
use super::context::ContextExt;
use super::ids;
use crate::pagination::PageArgs;
use crate::service::jobs::{self, Jobs};
use crate::service::resource::Row;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

/// Where a job stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum JobState {
    /// Waiting for its time (`runAfter`) or for a worker; failed runs wait here for a retry.
    Queued,
    /// A worker holds it.
    Running,
    /// Finished.
    Done,
    /// Failed on every attempt; `lastError` says why. `retryJob` queues it again.
    Dead,
}

impl JobState {
    fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => jobs::QUEUED,
            JobState::Running => jobs::RUNNING,
            JobState::Done => jobs::DONE,
            JobState::Dead => jobs::DEAD,
        }
    }

    fn parse(s: &str) -> JobState {
        match s {
            jobs::RUNNING => JobState::Running,
            jobs::DONE => JobState::Done,
            jobs::DEAD => JobState::Dead,
            _ => JobState::Queued,
        }
    }
}

/// A unit of work the server does in the background (a scheduled sweep, a clean-up, …).
pub struct Job(pub Row<Jobs>);

#[Object]
impl Job {
    /// Opaque global id; `node(id:)` fetches the job again (administrators only).
    pub async fn id(&self) -> ID {
        ids::encode("Job", self.0.id)
    }
    /// What the job does, e.g. `customers.pool_sweep`, `maintenance.cleanup`.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    async fn state(&self) -> JobState {
        JobState::parse(&self.0.state)
    }
    /// Runs started so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// Runs allowed before the job is dead.
    async fn max_attempts(&self) -> i32 {
        self.0.max_attempts
    }
    /// Not before this time.
    async fn run_after(&self) -> DateTime<Utc> {
        self.0.run_after
    }
    /// Why the last run failed.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it finished or died.
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }
}

crate::connection_type!(JobConnection, JobEdge, Job);

#[derive(Default)]
pub struct JobQuery;

#[Object]
impl JobQuery {
    /// Background jobs, newest first; administrators only. `state: DEAD` lists the failed.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, None, child_complexity)")]
    async fn jobs(
        &self,
        ctx: &Context<'_>,
        state: Option<JobState>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<JobConnection> {
        let args = PageArgs {
            max_size: Some(ctx.state()?.config.max_page_size),
            first,
            after,
            last: None,
            before: None,
        };
        let p = jobs::list(
            ctx.state()?,
            ctx.actor()?,
            state.map(JobState::as_str),
            &args,
            wants_total(ctx),
        )
        .await?;
        Ok(JobConnection::from_page(p, Job))
    }
}

#[derive(InputObject)]
pub struct RetryJobInput {
    /// A dead job.
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct RetryJobPayload {
    /// The job, queued again with fresh attempts.
    pub job: Job,
}

#[derive(Default)]
pub struct JobMutation;

#[Object]
impl JobMutation {
    /// Queues a dead job again with fresh attempts; administrators only. A job that is not
    /// dead is a `BUSINESS_RULE` error (`JOB_NOT_DEAD`).
    async fn retry_job(
        &self,
        ctx: &Context<'_>,
        input: RetryJobInput,
    ) -> async_graphql::Result<RetryJobPayload> {
        let id = ids::decode("id", "Job", &input.id)?;
        let job = jobs::retry(ctx.state()?, ctx.actor()?, id).await?;
        Ok(RetryJobPayload { job: Job(job) })
    }
}
