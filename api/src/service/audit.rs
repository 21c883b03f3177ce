//! Audit events, written in the same transaction as the change they describe.

use crate::auth::Actor;
use crate::error::AppResult;
use chrono::Utc;
use entity::audit_event;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::{Map, Value, json};
use uuid::Uuid;

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

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_value(self) -> Value {
        Value::Object(self.0)
    }
}

/// An event to insert later, in bulk, in the same transaction as its change.
pub fn event(
    actor: Option<&Actor>,
    action: &str,
    entity_type: &str,
    entity_id: Uuid,
    changes: Value,
) -> audit_event::ActiveModel {
    audit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        actor_id: Set(actor.map(|a| a.id)),
        action: Set(action.to_string()),
        entity_type: Set(entity_type.to_string()),
        entity_id: Set(entity_id),
        changes: Set(changes.to_string()),
        request_id: Set(actor.and_then(|a| a.request_id.clone())),
        created_at: Set(Utc::now()),
    }
}

pub async fn record(
    db: &impl ConnectionTrait,
    actor: Option<&Actor>,
    action: &str,
    entity_type: &str,
    entity_id: Uuid,
    changes: Value,
) -> AppResult<()> {
    event(actor, action, entity_type, entity_id, changes)
        .insert(db)
        .await?;
    Ok(())
}
