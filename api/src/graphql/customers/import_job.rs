//! Background imports: `startCustomerImport`, `customerImport`, `cancelCustomerImport`.

use super::import::{ImportCustomersInput, ImportCustomersPayload, read_upload};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::service::customers::import_job::{self as service, CustomerImports};
use crate::service::resource::Row;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

/// Where a background import stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ImportState {
    /// Waiting for a worker.
    Queued,
    /// Being written; `processedRows` grows batch by batch.
    Running,
    /// Finished; `report` says what happened to each row.
    Done,
    /// The file could not be imported; `error` says why.
    Failed,
    /// Stopped on request; batches written before stay, `report` (once the worker has
    /// stopped) lists the rest as `CANCELLED`.
    Cancelled,
}

/// A customer import running in the background, for files too large to wait for.
pub struct CustomerImportJob(pub Row<CustomerImports>);

#[Object]
impl CustomerImportJob {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode(service::TYPE, self.0.id)
    }
    async fn state(&self) -> ImportState {
        match self.0.state.as_str() {
            service::RUNNING => ImportState::Running,
            service::DONE => ImportState::Done,
            service::FAILED => ImportState::Failed,
            service::CANCELLED => ImportState::Cancelled,
            _ => ImportState::Queued,
        }
    }
    async fn filename(&self) -> Option<&str> {
        self.0.filename.as_deref()
    }
    async fn dry_run(&self) -> bool {
        self.0.dry_run
    }
    /// Rows written so far (created or merged).
    async fn processed_rows(&self) -> i64 {
        self.0.processed_rows
    }
    /// Data rows in the file; null until it has been read.
    async fn total_rows(&self) -> Option<i64> {
        self.0.total_rows
    }
    /// What happened to each row; null until the import has finished.
    async fn report(&self) -> Option<ImportCustomersPayload> {
        service::report(&self.0).map(Into::into)
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

#[derive(Default)]
pub struct ImportJobQuery;

#[Object]
impl ImportJobQuery {
    /// One of the signed-in user's background imports, to follow its progress.
    async fn customer_import(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<CustomerImportJob> {
        let id = ids::decode("id", service::TYPE, &id)?;
        Ok(CustomerImportJob(
            service::find(ctx.state()?, ctx.actor()?, id).await?,
        ))
    }
}

#[derive(InputObject)]
pub struct CancelCustomerImportInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct CustomerImportJobPayload {
    pub import: CustomerImportJob,
}

#[derive(Default)]
pub struct ImportJobMutation;

#[Object]
impl ImportJobMutation {
    /// Stores the file and imports it in the background, with the same rules and report as
    /// `importCustomers`; follow it with `customerImport`. For files above
    /// `GUANXI_IMPORT_MAX_INLINE_ROWS` rows, which `importCustomers` refuses.
    async fn start_customer_import(
        &self,
        ctx: &Context<'_>,
        input: ImportCustomersInput,
    ) -> async_graphql::Result<CustomerImportJobPayload> {
        let (bytes, filename) = read_upload(ctx, &input.file)?;
        let i = service::start(
            ctx.state()?,
            ctx.actor()?,
            bytes,
            Some(filename),
            input.dry_run,
            input.on_duplicate.into(),
        )
        .await?;
        Ok(CustomerImportJobPayload {
            import: CustomerImportJob(i),
        })
    }

    /// Stops an import that has not finished (`BUSINESS_RULE` `IMPORT_FINISHED` otherwise);
    /// batches already written stay.
    async fn cancel_customer_import(
        &self,
        ctx: &Context<'_>,
        input: CancelCustomerImportInput,
    ) -> async_graphql::Result<CustomerImportJobPayload> {
        let id = ids::decode("id", service::TYPE, &input.id)?;
        let i = service::cancel(ctx.state()?, ctx.actor()?, id).await?;
        Ok(CustomerImportJobPayload {
            import: CustomerImportJob(i),
        })
    }
}
