//! Background exports: `startCustomerExport`, `customerExport`, `cancelCustomerExport`. The
//! file itself is downloaded from `downloadUrl` with the same `Authorization` header.

use super::filter::CustomerFilterInput;
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::service::customers::export_job as service;
use crate::service::customers::export_job::CustomerExports;
use crate::service::resource::Row;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

/// Where a background export stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ExportState {
    /// Waiting for a worker.
    Queued,
    /// Being written; `rowCount` grows page by page.
    Running,
    /// The file is ready at `downloadUrl` until `expiresAt`.
    Done,
    /// It could not be built; `error` says why.
    Failed,
    /// Stopped on request.
    Cancelled,
}

/// A CSV of customers built in the background, for exports too large to wait for.
pub struct CustomerExportJob(pub Row<CustomerExports>);

#[Object]
impl CustomerExportJob {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode("CustomerExportJob", self.0.id)
    }
    async fn state(&self) -> ExportState {
        match self.0.state.as_str() {
            service::RUNNING => ExportState::Running,
            service::DONE => ExportState::Done,
            service::FAILED => ExportState::Failed,
            service::CANCELLED => ExportState::Cancelled,
            _ => ExportState::Queued,
        }
    }
    /// Customers written so far (all of them once done).
    async fn row_count(&self) -> i64 {
        self.0.rows
    }
    /// Where to `GET` the file (CSV, UTF-8) with the same `Authorization` header; null until
    /// it is done.
    async fn download_url(&self) -> Option<String> {
        (self.0.state == service::DONE).then(|| format!("/exports/{}", self.id_string()))
    }
    /// After this the file is gone.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }
}

impl CustomerExportJob {
    fn id_string(&self) -> String {
        ids::encode("CustomerExportJob", self.0.id).0
    }
}

#[derive(Default)]
pub struct ExportQuery;

#[Object]
impl ExportQuery {
    /// One of the signed-in user's background exports, to follow its progress.
    async fn customer_export(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<CustomerExportJob> {
        let id = ids::decode("id", "CustomerExportJob", &id)?;
        let e = service::find(ctx.state()?, ctx.actor()?, id).await?;
        Ok(CustomerExportJob(e))
    }
}

#[derive(InputObject, Default)]
pub struct StartCustomerExportInput {
    /// Which customers; every one the signed-in user may see when left out.
    pub filter: Option<CustomerFilterInput>,
}

#[derive(InputObject)]
pub struct CancelCustomerExportInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct CustomerExportJobPayload {
    pub export: CustomerExportJob,
}

#[derive(Default)]
pub struct ExportMutation;

#[Object]
impl ExportMutation {
    /// Starts building a CSV of the customers the signed-in user may see that match the
    /// filter; follow it with `customerExport`. A bad filter is refused at once.
    async fn start_customer_export(
        &self,
        ctx: &Context<'_>,
        input: StartCustomerExportInput,
    ) -> async_graphql::Result<CustomerExportJobPayload> {
        let f = input.filter.unwrap_or_default().into_filter()?;
        let e = service::start(ctx.state()?, ctx.actor()?, &f).await?;
        Ok(CustomerExportJobPayload {
            export: CustomerExportJob(e),
        })
    }

    /// Stops an export that has not finished (`BUSINESS_RULE` `EXPORT_FINISHED` otherwise).
    async fn cancel_customer_export(
        &self,
        ctx: &Context<'_>,
        input: CancelCustomerExportInput,
    ) -> async_graphql::Result<CustomerExportJobPayload> {
        let id = ids::decode("id", "CustomerExportJob", &input.id)?;
        let e = service::cancel(ctx.state()?, ctx.actor()?, id).await?;
        Ok(CustomerExportJobPayload {
            export: CustomerExportJob(e),
        })
    }
}
