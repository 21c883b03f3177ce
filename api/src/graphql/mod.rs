//! The GraphQL schema: one module per area, merged into one schema. It knows nothing of
//! HTTP; `crate::http` mounts it.

pub mod audit;
pub mod auth;
pub mod connection;
pub mod contacts;
pub mod context;
pub mod customers;
pub mod field_policy;
pub mod idempotency;
pub mod ids;
pub mod jobs;
pub mod loaders;
pub mod node;
pub mod settings;
pub mod users;

use crate::config::Config;
use crate::state::AppState;
use async_graphql::{EmptySubscription, MergedObject, SDLExportOptions, Schema, SchemaBuilder};

/// Everything a client can read; every field needs a signed-in user.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    node::NodeQuery,
    users::UserQuery,
    customers::query::CustomerQuery,
    contacts::ContactQuery,
    audit::AuditQuery,
    jobs::JobQuery,
    customers::export_job::ExportQuery,
    settings::SettingsQuery,
    customers::import_job::ImportJobQuery,
);

/// Everything a client can change. Each mutation takes one `input` and returns a payload;
/// all but `login` and `refreshToken` need a signed-in user.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    auth::AuthMutation,
    users::UserMutation,
    customers::mutation::CustomerMutation,
    customers::bulk::BulkMutation,
    customers::import::ImportMutation,
    contacts::ContactMutation,
    jobs::JobMutation,
    customers::export_job::ExportMutation,
    settings::SettingsMutation,
    customers::import_job::ImportJobMutation,
);

/// An update input field: left out keeps the value (`None`), null clears it (`Some(None)`).
pub fn change<T>(m: async_graphql::MaybeUndefined<T>) -> Option<Option<T>> {
    match m {
        async_graphql::MaybeUndefined::Undefined => None,
        async_graphql::MaybeUndefined::Null => Some(None),
        async_graphql::MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

fn builder(config: &Config) -> SchemaBuilder<QueryRoot, MutationRoot, EmptySubscription> {
    let mut b = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .limit_depth(config.max_query_depth)
    .limit_complexity(config.max_query_complexity)
    .limit_recursive_depth(config.max_recursive_depth)
    .limit_directives(config.max_directives)
    .extension(field_policy::FieldPolicy);
    // A span per request phase and per resolved field: useful when profiling a query, but
    // making and formatting a span for every field of a 50-row page costs more than
    // resolving it, so it is off unless asked for.
    if config.trace_resolvers {
        b = b.extension(async_graphql::extensions::Tracing);
    }
    if !config.introspection {
        b = b.disable_introspection().disable_suggestions();
    }
    b
}

pub fn build(state: AppState) -> AppSchema {
    let config = state.config.clone();
    builder(&config).data(state).finish()
}

/// The SDL clients build against; `schema.graphql` at the repository root must equal it.
/// Limits and introspection settings do not change the SDL, so any configuration will do.
pub fn sdl(config: &Config) -> String {
    builder(config)
        .finish()
        .sdl_with_options(SDLExportOptions::new().sorted_fields().sorted_enum_items())
}
