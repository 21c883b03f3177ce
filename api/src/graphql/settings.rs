//! The company's settings: `settings` and `updateSettings`, for administrators.

use super::change;
use super::context::ContextExt;
use super::ids;
use crate::service::settings::{self as service, SettingsPatch, Stored};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};

/// Who the company is, as printed quotes and contracts show it.
#[derive(SimpleObject)]
pub struct CompanyProfile {
    /// Registered name (公司全称).
    pub legal_name: Option<String>,
    pub address: Option<String>,
    /// Unified social credit code or other tax number (税号).
    pub tax_number: Option<String>,
    pub bank_name: Option<String>,
    pub bank_account: Option<String>,
    pub phone: Option<String>,
    /// An `https://` address of the logo image.
    pub logo_url: Option<String>,
}

/// The company's settings. Every replica applies a change within
/// `GUANXI_SETTINGS_REFRESH_MS` (2 seconds by default).
pub struct Settings(pub Stored);

#[Object]
impl Settings {
    /// Global id; its change history is `auditEvents(entityId:)`.
    async fn id(&self) -> ID {
        ids::encode("Settings", service::RECORD_ID)
    }
    /// Whether salespeople may delete the customers they own.
    async fn sales_can_delete(&self) -> bool {
        self.0.settings.sales_can_delete
    }
    /// Days without contact after which an owned customer returns to the public pool; 0: never.
    async fn pool_days(&self) -> i64 {
        self.0.settings.pool_days
    }
    /// The most customers one person may own when claiming from the pool.
    async fn pool_max_owned(&self) -> i64 {
        self.0.settings.pool_max_owned
    }
    /// ISO 4217 code of every amount.
    async fn base_currency(&self) -> &str {
        &self.0.settings.base_currency
    }
    async fn company(&self) -> CompanyProfile {
        let c = self.0.settings.company.clone();
        CompanyProfile {
            legal_name: c.legal_name,
            address: c.address,
            tax_number: c.tax_number,
            bank_name: c.bank_name,
            bank_account: c.bank_account,
            phone: c.phone,
            logo_url: c.logo_url,
        }
    }
    /// Send back with `updateSettings`; a stale version is a `CONFLICT`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

#[derive(Default)]
pub struct SettingsQuery;

#[Object]
impl SettingsQuery {
    /// The company's settings; administrators only.
    async fn settings(&self, ctx: &Context<'_>) -> async_graphql::Result<Settings> {
        Ok(Settings(service::read(ctx.state()?, ctx.actor()?).await?))
    }
}

/// Changes to the company profile: a field left out keeps its value, null clears it.
#[derive(InputObject, Default)]
pub struct CompanyProfileInput {
    pub legal_name: MaybeUndefined<String>,
    pub address: MaybeUndefined<String>,
    pub tax_number: MaybeUndefined<String>,
    pub bank_name: MaybeUndefined<String>,
    pub bank_account: MaybeUndefined<String>,
    pub phone: MaybeUndefined<String>,
    pub logo_url: MaybeUndefined<String>,
}

/// A change to the settings: fields left out keep their values. The whole result is checked
/// before anything is stored; a bad value is a `VALIDATION` error naming its field.
#[derive(InputObject)]
pub struct UpdateSettingsInput {
    /// The `version` the change was made against.
    pub version: i32,
    pub sales_can_delete: Option<bool>,
    /// 0 (never) to 3650.
    pub pool_days: Option<i64>,
    /// 1 to 1,000,000.
    pub pool_max_owned: Option<i64>,
    /// A three-letter ISO 4217 code.
    pub base_currency: Option<String>,
    pub company: Option<CompanyProfileInput>,
    pub client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
pub struct SettingsPayload {
    pub settings: Settings,
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct SettingsMutation;

#[Object]
impl SettingsMutation {
    /// Changes the company's settings; administrators only. Audited.
    async fn update_settings(
        &self,
        ctx: &Context<'_>,
        input: UpdateSettingsInput,
    ) -> async_graphql::Result<SettingsPayload> {
        let c = input.company.unwrap_or_default();
        let patch = SettingsPatch {
            sales_can_delete: input.sales_can_delete,
            pool_days: input.pool_days,
            pool_max_owned: input.pool_max_owned,
            base_currency: input.base_currency,
            legal_name: change(c.legal_name),
            address: change(c.address),
            tax_number: change(c.tax_number),
            bank_name: change(c.bank_name),
            bank_account: change(c.bank_account),
            phone: change(c.phone),
            logo_url: change(c.logo_url),
        };
        let stored = service::update(ctx.state()?, ctx.actor()?, input.version, patch).await?;
        Ok(SettingsPayload {
            settings: Settings(stored),
            client_mutation_id: input.client_mutation_id,
        })
    }
}
