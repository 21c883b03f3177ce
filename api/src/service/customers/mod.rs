//! Customers: the use cases, each in one transaction under the actor's scope.

pub mod access;
pub mod bulk;
pub mod duplicates;
pub mod export;
pub mod export_job;
pub mod import;
pub mod import_job;
pub mod merge;
pub mod patch;
pub mod pool;
pub mod query;
pub mod sharing;
pub mod write;

pub use patch::CustomerPatch;
pub use query::{CustomerFilter, CustomerOrder, Customers, OwnerScope};
