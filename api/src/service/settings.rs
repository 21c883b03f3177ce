//! The company's settings, stored in the database: read and changed by administrators, audited,
//! and held in memory by every replica, which checks the stored version every
//! `GUANXI_SETTINGS_REFRESH_MS` and reloads when it moved. The environment gives only the
//! values of a database that has none yet.

use crate::auth::Actor;
use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::service::{audit, versioned};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use domain::settings::{CompanyProfile, Settings};
use entity::setting;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use std::sync::{Arc, RwLock};
use uuid::Uuid;

/// The row holding [`Settings`].
const KEY: &str = "company";

/// The id audit events about the settings carry (there is one settings record).
pub const RECORD_ID: Uuid = Uuid::nil();

/// The settings as stored, with their version and last change.
#[derive(Debug, Clone)]
pub struct Stored {
    pub settings: Settings,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<Uuid>,
}

/// This process's copy of the settings; cheap to read on every request.
#[derive(Clone)]
pub struct Live(Arc<RwLock<(i32, Arc<Settings>)>>);

impl Live {
    pub fn new(settings: Settings) -> Live {
        Live(Arc::new(RwLock::new((0, Arc::new(settings)))))
    }

    pub fn get(&self) -> Arc<Settings> {
        self.0
            .read()
            .map(|g| g.1.clone())
            .unwrap_or_else(|p| p.into_inner().1.clone())
    }

    fn version(&self) -> i32 {
        self.0.read().map(|g| g.0).unwrap_or(0)
    }

    fn set(&self, version: i32, settings: Settings) {
        if let Ok(mut g) = self.0.write() {
            // A slower reload must not put back an older copy.
            if version >= g.0 {
                *g = (version, Arc::new(settings));
            }
        }
    }
}

/// The first-run values, from the environment.
pub fn from_config(config: &Config) -> Settings {
    Settings {
        sales_can_delete: config.sales_can_delete,
        pool_days: config.pool_days,
        pool_max_owned: config.pool_max_owned as i64,
        base_currency: config.base_currency.clone(),
        company: CompanyProfile::default(),
    }
}

fn parse(row: setting::Model) -> AppResult<Stored> {
    let settings: Settings = serde_json::from_str(&row.value)
        .map_err(|e| AppError::internal(format!("stored settings are unreadable: {e}")))?;
    Ok(Stored {
        settings,
        version: row.version,
        updated_at: row.updated_at,
        updated_by: row.updated_by,
    })
}

async fn stored(db: &impl ConnectionTrait) -> AppResult<Option<Stored>> {
    setting::Entity::find_by_id(KEY.to_string())
        .one(db)
        .await?
        .map(parse)
        .transpose()
}

/// Loads the stored settings into this process, storing the first-run values first when the
/// database has none (concurrent first starts agree: the first insert wins).
pub async fn load(state: &AppState) -> AppResult<()> {
    if stored(&state.db).await?.is_none() {
        let first = from_config(&state.config)
            .validated()
            .map_err(|e| AppError::internal(format!("{}: {}", e.field, e.message)))?;
        setting::Entity::insert(setting::ActiveModel {
            key: Set(KEY.into()),
            value: Set(serde_json::to_string(&first).map_err(AppError::internal)?),
            version: Set(1),
            updated_at: Set(Utc::now()),
            updated_by: Set(None),
        })
        .on_conflict_do_nothing()
        .exec(&state.db)
        .await?;
    }
    let s = stored(&state.db)
        .await?
        .ok_or_else(|| AppError::internal("settings missing after being stored"))?;
    state.settings.set(s.version, s.settings);
    Ok(())
}

/// Reloads when the stored version moved; one indexed read of one integer otherwise.
pub async fn refresh(state: &AppState) -> AppResult<bool> {
    let version: Option<i32> = setting::Entity::find_by_id(KEY.to_string())
        .select_only()
        .column(setting::Column::Version)
        .into_tuple()
        .one(&state.db)
        .await?;
    if version.is_none_or(|v| v == state.settings.version()) {
        return Ok(false);
    }
    load(state).await?;
    Ok(true)
}

/// Keeps this process's copy fresh until the returned task is aborted.
pub fn keep_fresh(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let every = std::time::Duration::from_millis(state.config.settings_refresh_ms.max(100));
        loop {
            tokio::time::sleep(every).await;
            if let Err(e) = refresh(&state).await {
                tracing::warn!(error = %e.message(), "cannot refresh settings");
            }
        }
    })
}

/// The stored settings; administrators only.
pub async fn read(state: &AppState, actor: &Actor) -> AppResult<Stored> {
    actor.require_admin()?;
    stored(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("settings"))
}

/// A change to the settings: `None` keeps a value; for the company profile, `Some(None)`
/// clears a field.
#[derive(Debug, Default, Clone)]
pub struct SettingsPatch {
    pub sales_can_delete: Option<bool>,
    pub pool_days: Option<i64>,
    pub pool_max_owned: Option<i64>,
    pub base_currency: Option<String>,
    pub legal_name: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub tax_number: Option<Option<String>>,
    pub bank_name: Option<Option<String>>,
    pub bank_account: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub logo_url: Option<Option<String>>,
}

impl SettingsPatch {
    fn apply(self, s: &mut Settings) {
        fn keep<T>(target: &mut T, v: Option<T>) {
            if let Some(v) = v {
                *target = v;
            }
        }
        keep(&mut s.sales_can_delete, self.sales_can_delete);
        keep(&mut s.pool_days, self.pool_days);
        keep(&mut s.pool_max_owned, self.pool_max_owned);
        keep(&mut s.base_currency, self.base_currency);
        let c = &mut s.company;
        keep(&mut c.legal_name, self.legal_name);
        keep(&mut c.address, self.address);
        keep(&mut c.tax_number, self.tax_number);
        keep(&mut c.bank_name, self.bank_name);
        keep(&mut c.bank_account, self.bank_account);
        keep(&mut c.phone, self.phone);
        keep(&mut c.logo_url, self.logo_url);
    }
}

/// `{ field: { old, new } }` for every setting that changed, company fields as `company.x`.
fn diff(old: &Settings, new: &Settings) -> serde_json::Value {
    let (o, n) = (
        serde_json::to_value(old).unwrap_or_default(),
        serde_json::to_value(new).unwrap_or_default(),
    );
    let mut changes = audit::Changes::new();
    for (k, v) in n.as_object().into_iter().flatten() {
        if k == "company" {
            for (ck, cv) in v.as_object().into_iter().flatten() {
                changes.field(&format!("company.{ck}"), &o[k][ck], cv);
            }
        } else {
            changes.field(k, &o[k], v);
        }
    }
    changes.into_value()
}

/// Changes the settings if they are still at `version`; administrators only. The whole
/// document is validated before anything is written; the change is audited and announced.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    version: i32,
    patch: SettingsPatch,
) -> AppResult<Stored> {
    actor.require_admin()?;
    let txn = crate::db::begin(&state.db).await?;
    let current = stored(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("settings"))?;
    if current.version != version {
        return Err(AppError::stale("the settings"));
    }
    let mut next = current.settings.clone();
    patch.apply(&mut next);
    let next = next
        .validated()
        .map_err(|e| AppError::validation(e.field, e.message))?;
    // The settings are one JSON value validated as a whole, not a registered resource with
    // columns, so they take the steps of `service::write` themselves: versioned write, audit
    // event and outbox event in this transaction.
    let now = Utc::now();
    let next_version = versioned::next(version, "the settings")?;
    let written = setting::Entity::update_many()
        .set(setting::ActiveModel {
            value: Set(serde_json::to_string(&next).map_err(AppError::internal)?),
            version: Set(next_version),
            updated_at: Set(now),
            updated_by: Set(Some(actor.id)),
            ..Default::default()
        })
        .filter(setting::Column::Key.eq(KEY))
        .filter(setting::Column::Version.eq(version))
        .exec(&txn)
        .await?;
    if written.rows_affected == 0 {
        return Err(AppError::stale("the settings"));
    }
    let changes = diff(&current.settings, &next);
    audit::record(&txn, Some(actor), "update", "Settings", RECORD_ID, changes).await?;
    txn.commit().await?;
    state.settings.set(next_version, next.clone());
    Ok(Stored {
        settings: next,
        version: next_version,
        updated_at: now,
        updated_by: Some(actor.id),
    })
}
