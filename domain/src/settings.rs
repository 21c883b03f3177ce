//! The company's settings: typed, validated as a whole, changed by administrators. Environment
//! variables only give the values of a database that has none yet.

use crate::role::RoleSettings;
use crate::text;
use serde::{Deserialize, Serialize};

/// Who the company is, as printed quotes and contracts will show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CompanyProfile {
    pub legal_name: Option<String>,
    pub address: Option<String>,
    pub tax_number: Option<String>,
    pub bank_name: Option<String>,
    pub bank_account: Option<String>,
    pub phone: Option<String>,
    /// An `https://` address of the logo image.
    pub logo_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// Whether a SALES user may delete the customers they own.
    pub sales_can_delete: bool,
    /// Days without contact after which an owned customer returns to the pool; 0: never.
    pub pool_days: i64,
    /// The most customers one person may own when claiming from the pool.
    pub pool_max_owned: i64,
    /// ISO 4217 code every amount is in.
    pub base_currency: String,
    #[serde(default)]
    pub company: CompanyProfile,
}

/// A setting that cannot be stored: which one (its API name) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: &'static str,
    pub message: String,
}

fn invalid(field: &'static str, message: impl Into<String>) -> Invalid {
    Invalid {
        field,
        message: message.into(),
    }
}

/// The largest number of days `poolDays` takes: ten years.
pub const MAX_POOL_DAYS: i64 = 3650;
/// The largest `poolMaxOwned`.
pub const MAX_POOL_OWNED: i64 = 1_000_000;

impl Settings {
    pub fn roles(&self) -> RoleSettings {
        RoleSettings {
            sales_can_delete: self.sales_can_delete,
        }
    }

    /// Checks every value and normalises the texts (trimmed, empty as absent).
    pub fn validated(mut self) -> Result<Settings, Invalid> {
        if !(0..=MAX_POOL_DAYS).contains(&self.pool_days) {
            return Err(invalid(
                "poolDays",
                format!("must be from 0 (never) to {MAX_POOL_DAYS}"),
            ));
        }
        if !(1..=MAX_POOL_OWNED).contains(&self.pool_max_owned) {
            return Err(invalid(
                "poolMaxOwned",
                format!("must be from 1 to {MAX_POOL_OWNED}"),
            ));
        }
        let c = self.base_currency.trim().to_ascii_uppercase();
        if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(invalid(
                "baseCurrency",
                "must be a three-letter ISO 4217 code such as CNY",
            ));
        }
        self.base_currency = c;
        let p = &mut self.company;
        let fields: [(&'static str, &mut Option<String>, usize); 7] = [
            ("company.legalName", &mut p.legal_name, 200),
            ("company.address", &mut p.address, 500),
            ("company.taxNumber", &mut p.tax_number, 40),
            ("company.bankName", &mut p.bank_name, 200),
            ("company.bankAccount", &mut p.bank_account, 60),
            ("company.phone", &mut p.phone, 40),
            ("company.logoUrl", &mut p.logo_url, 2000),
        ];
        for (field, value, max) in fields {
            *value =
                text::optional(value.as_deref(), max).map_err(|e| invalid(field, e.to_string()))?;
        }
        if let Some(u) = &p.logo_url
            && !u.starts_with("https://")
        {
            return Err(invalid("company.logoUrl", "must be an https:// address"));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Settings {
        Settings {
            sales_can_delete: false,
            pool_days: 30,
            pool_max_owned: 2000,
            base_currency: "cny".into(),
            company: CompanyProfile::default(),
        }
    }

    #[test]
    fn valid_settings_are_normalised() {
        let mut s = base();
        s.company.legal_name = Some("  关系科技有限公司 ".into());
        s.company.phone = Some("   ".into());
        let v = s.validated().unwrap();
        assert_eq!(v.base_currency, "CNY");
        assert_eq!(v.company.legal_name.as_deref(), Some("关系科技有限公司"));
        assert_eq!(v.company.phone, None);
    }

    #[test]
    fn out_of_range_and_malformed_values_name_their_field() {
        let field = |f: fn(&mut Settings)| {
            let mut s = base();
            f(&mut s);
            s.validated().unwrap_err().field
        };
        assert_eq!(field(|s| s.pool_days = -1), "poolDays");
        assert_eq!(field(|s| s.pool_days = MAX_POOL_DAYS + 1), "poolDays");
        assert_eq!(field(|s| s.pool_max_owned = 0), "poolMaxOwned");
        assert_eq!(field(|s| s.base_currency = "RMB1".into()), "baseCurrency");
        assert_eq!(field(|s| s.base_currency = "¥¥¥".into()), "baseCurrency");
        assert_eq!(
            field(|s| s.company.logo_url = Some("http://x.cn/a.png".into())),
            "company.logoUrl"
        );
        assert_eq!(
            field(|s| s.company.tax_number = Some("9".repeat(41))),
            "company.taxNumber"
        );
    }
}
