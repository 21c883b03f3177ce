//! Audit events and their outbox events, written in the same transaction as the change they
//! describe.

use super::resource;
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::pagination::{Key, Page, PageArgs, Sort, page};
use crate::state::AppState;
use chrono::Utc;
use domain::role::{Capability, Role};
use entity::{audit_event, outbox_event};
use sea_orm::ConnectionTrait;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// A stored audit event.
pub type Event = audit_event::Model;

/// Field-by-field changes: `{ field: { "old": …, "new": … } }`, unchanged fields left out.
#[derive(Default)]
pub struct Changes(Map<String, Value>);

impl Changes {
    pub fn new() -> Changes {
        Changes::default()
    }

    pub fn field<T: serde::Serialize + PartialEq>(
        &mut self,
        name: &str,
        old: &T,
        new: &T,
    ) -> &mut Self {
        if old != new {
            self.0
                .insert(name.to_string(), json!({ "old": old, "new": new }));
        }
        self
    }

    /// A created record: every field as new.
    pub fn created<T: serde::Serialize>(&mut self, name: &str, new: &T) -> &mut Self {
        self.0
            .insert(name.to_string(), json!({ "old": null, "new": new }));
        self
    }

    /// Field by field between two records given as JSON objects of their audited fields;
    /// `old` is `None` for a new record, whose non-null fields are recorded as created.
    pub fn between(old: Option<&Value>, new: &Value) -> Changes {
        let mut changes = Changes::new();
        if let Value::Object(fields) = new {
            for (k, v) in fields {
                match old {
                    Some(o) => {
                        changes.field(k, &o[k], v);
                    }
                    None if !v.is_null() => {
                        changes.created(k, v);
                    }
                    None => {}
                }
            }
        }
        changes
    }

    /// A secret changed: recorded as changed, its values never.
    pub fn secret(&mut self, name: &str) -> &mut Self {
        self.0
            .insert(name.to_string(), json!({ "old": "***", "new": "***" }));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_value(self) -> Value {
        Value::Object(self.0)
    }
}

/// An event to insert later, in bulk, with [`insert_all`], in the same transaction as its
/// change.
pub(super) fn event(
    actor: Option<&Actor>,
    action: &str,
    entity_type: &str,
    entity_id: Uuid,
    changes: Value,
) -> audit_event::Model {
    audit_event::Model {
        id: Uuid::now_v7(),
        actor_id: actor.map(|a| a.id),
        action: action.to_string(),
        entity_type: entity_type.to_string(),
        entity_id,
        changes: changes.to_string(),
        request_id: actor.and_then(|a| a.request_id.clone()),
        created_at: Utc::now(),
    }
}

/// The outbox event announcing an audited change: the same change, for the world outside.
fn outbox_of(e: &audit_event::Model) -> outbox_event::ActiveModel {
    let changes: Value = serde_json::from_str(&e.changes).unwrap_or(Value::Null);
    outbox_event::Model {
        id: Uuid::now_v7(),
        event_type: format!("{}.{}", e.entity_type, e.action),
        resource: e.entity_type.clone(),
        resource_id: e.entity_id,
        payload: json!({ "action": e.action, "changes": changes, "actorId": e.actor_id })
            .to_string(),
        actor_id: e.actor_id,
        request_id: e.request_id.clone(),
        created_at: e.created_at,
        published_at: None,
    }
    .into()
}

/// Rows per statement: far below either database's parameter limit.
const CHUNK: usize = 500;

/// Stores audit events and, for each, its outbox event, inside the caller's transaction: a
/// change, its history and its announcement commit or roll back together.
pub(super) async fn insert_all(
    db: &impl ConnectionTrait,
    events: &[audit_event::Model],
) -> AppResult<()> {
    for chunk in events.chunks(CHUNK) {
        audit_event::Entity::insert_many(chunk.iter().cloned().map(audit_event::ActiveModel::from))
            .exec(db)
            .await?;
        outbox_event::Entity::insert_many(chunk.iter().map(outbox_of))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Stores one audit event and its outbox event (see [`insert_all`]).
pub(super) async fn record(
    db: &impl ConnectionTrait,
    actor: Option<&Actor>,
    action: &str,
    entity_type: &str,
    entity_id: Uuid,
    changes: Value,
) -> AppResult<()> {
    insert_all(db, &[event(actor, action, entity_type, entity_id, changes)]).await
}

/// The history of one record, oldest first. Administrators read every history; others those
/// the record's resource allows (see `Resource::history_visible`: by default, records they
/// may read); roles that read logistics only read none, since histories hold old values of
/// every field.
pub async fn history(
    state: &AppState,
    actor: &Actor,
    entity_type: &str,
    entity_id: Uuid,
    args: &PageArgs,
    with_total: bool,
) -> AppResult<Page<audit_event::Model>> {
    if actor.role.can(
        Capability::ReadCustomerLogisticsOnly,
        &state.role_settings(),
    ) {
        return Err(AppError::forbidden(
            "your role may not read change histories",
        ));
    }
    if actor.role != Role::Admin {
        let visible = match resource::named(entity_type) {
            Some(r) => r.history_visible(state, actor, entity_id).await?,
            None => false,
        };
        if !visible {
            return Err(AppError::not_found(&entity_type.to_lowercase()));
        }
    }
    let sort = Sort::<audit_event::Entity> {
        name: "id:asc".into(),
        column: audit_event::Column::Id,
        id: audit_event::Column::Id,
        desc: false,
        nullable: false,
        key: |m| Key::Id(m.id),
    };
    let select = audit_event::Entity::find()
        .filter(audit_event::Column::EntityId.eq(entity_id))
        .filter(audit_event::Column::EntityType.eq(entity_type));
    page(&state.db, select, &sort, args, with_total).await
}
