//! The audit trail in the API: `auditEvents(entityId)`.

use super::connection::wants_total;
use super::context::ContextExt;
use super::ids;
use super::loaders::Records;
use super::users::User;
use crate::pagination::PageArgs;
use crate::service::audit;
use crate::service::users::Users;
use async_graphql::{Context, ID, Json, Object};
use chrono::{DateTime, Utc};

/// One change: who, when, what, and each changed field's old and new value.
pub struct AuditEvent(pub audit::Event);

/// One change (操作记录): who, when, what, and each changed field's old and new value.
#[Object]
impl AuditEvent {
    /// Opaque id of the event (not fetchable with `node`).
    async fn id(&self) -> ID {
        ids::encode("AuditEvent", self.0.id)
    }
    /// Who did it; null for the system (e.g. the pool sweep).
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(a) = self.0.actor_id else {
            return Ok(None);
        };
        Ok(ctx.data::<Records<Users>>()?.load_one(a).await?.map(User))
    }
    /// e.g. `create`, `update`, `delete`, `share`, `assign`, `claim`, `merge`, `import`.
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The kind of record changed: `Customer`, `Contact` or `User`.
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    /// Global id of the changed record.
    async fn entity_id(&self) -> ID {
        ids::encode(&self.0.entity_type, self.0.entity_id)
    }
    /// `{ field: { old, new } }`.
    async fn changes(&self) -> Json<serde_json::Value> {
        Json(serde_json::from_str(&self.0.changes).unwrap_or(serde_json::Value::Null))
    }
    /// The request that made the change, to find its log lines.
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    /// When the change was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

crate::connection_type!(AuditEventConnection, AuditEventEdge, AuditEvent);

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The history of one record, oldest first: administrators see every history; others see
    /// those of customers and contacts they may see, and their own user record's. Roles that
    /// read logistics only see none.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, None, child_complexity)")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        entity_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<AuditEventConnection> {
        let actor = ctx.actor()?;
        let state = ctx.state()?;
        let (kind, id) = ids::decode_any("entityId", &entity_id)?;
        let args = PageArgs {
            max_size: Some(ctx.state()?.config.max_page_size),
            first,
            after,
            last: None,
            before: None,
        };
        let p = audit::history(state, actor, &kind, id, &args, wants_total(ctx)).await?;
        Ok(AuditEventConnection::from_page(p, AuditEvent))
    }
}
