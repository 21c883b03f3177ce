//! Field policy: which fields of each API type a role sees. Roles whose settings give them
//! [`Capability::ReadCustomerLogisticsOnly`] get the logistics view; everyone else the full
//! view. The logistics view is deny-by-default: a field is visible only when its type's rule
//! names it, so a field added to a type later stays hidden until a rule allows it, and a type
//! with no rule shows nothing.

use crate::role::{Capability, Role, RoleSettings};

/// How much of the record types a role sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Every field (within the row scope).
    Full,
    /// Names, contacts and addresses: what a warehouse needs to ship.
    Logistics,
}

impl View {
    pub fn of(role: Role, settings: &RoleSettings) -> View {
        if role.can(Capability::ReadCustomerLogisticsOnly, settings) {
            View::Logistics
        } else {
            View::Full
        }
    }
}

/// What the logistics view sees of one type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allow {
    /// Every field: structural types (connections, payloads) and records whose every field
    /// is logistics data.
    All,
    /// Only these fields (GraphQL names); the others read as null, or as an empty list.
    Only(&'static [&'static str]),
    /// The view never reaches records of this type (their row scope holds none for it).
    Unreachable,
}

/// The logistics view's rule for one GraphQL type.
#[derive(Debug, Clone, Copy)]
pub struct TypeRule {
    pub type_name: &'static str,
    pub logistics: Allow,
}

const fn rule(type_name: &'static str, logistics: Allow) -> TypeRule {
    TypeRule {
        type_name,
        logistics,
    }
}

/// Customer fields a warehouse sees: who the customer is and where goods go.
pub const CUSTOMER_LOGISTICS: &[&str] = &[
    "id",
    "name",
    "kind",
    "province",
    "city",
    "address",
    "phone",
    "contacts",
    "primaryContact",
    "access",
    "createdAt",
    "updatedAt",
    "deletedAt",
    "version",
];

/// Contact fields a warehouse sees: whom to call about a delivery.
pub const CONTACT_LOGISTICS: &[&str] = &[
    "id",
    "customer",
    "name",
    "title",
    "mobile",
    "phone",
    "email",
    "wechat",
    "isPrimary",
    "createdAt",
    "updatedAt",
    "version",
];

/// Every type of the API with its rule. A type missing here shows nothing to the logistics
/// view; the API's tests check that every type of the schema is listed.
pub const RULES: &[TypeRule] = &[
    rule("Customer", Allow::Only(CUSTOMER_LOGISTICS)),
    // The reasons too: for this view they are only ever ROLE (see `crate::permission`).
    rule("CustomerAccess", Allow::All),
    rule("Contact", Allow::Only(CONTACT_LOGISTICS)),
    rule(
        "User",
        Allow::Only(&[
            "id",
            "email",
            "displayName",
            "phone",
            "role",
            "manager",
            "active",
            "createdAt",
            "updatedAt",
            "version",
        ]),
    ),
    // Fields asked through the interface resolve under its name, not the record's type.
    rule("Node", Allow::Only(&["id"])),
    rule("Subordinate", Allow::All),
    rule("CustomerShare", Allow::Unreachable),
    rule("DuplicateCandidate", Allow::Only(&["customer", "name"])),
    rule("Money", Allow::Unreachable),
    rule("AuditEvent", Allow::Unreachable),
    rule("Job", Allow::Unreachable),
    rule("Settings", Allow::Unreachable),
    rule("CompanyProfile", Allow::Unreachable),
    rule("CustomerExport", Allow::All),
    rule("CustomerExportJob", Allow::All),
    rule("CustomerImportJob", Allow::All),
    rule("ImportIssue", Allow::All),
    rule("SkippedCustomer", Allow::All),
    rule("PageInfo", Allow::All),
    rule("QueryRoot", Allow::All),
    rule("MutationRoot", Allow::All),
];

/// Types whose names end so are connections, edges and payloads: they only carry records
/// whose own rules apply.
const STRUCTURAL_SUFFIXES: &[&str] = &["Connection", "Edge", "Payload"];

/// The logistics rule of a type; `None` when no rule covers it.
pub fn logistics_rule(type_name: &str) -> Option<Allow> {
    if let Some(r) = RULES.iter().find(|r| r.type_name == type_name) {
        return Some(r.logistics);
    }
    STRUCTURAL_SUFFIXES
        .iter()
        .any(|s| type_name.ends_with(s))
        .then_some(Allow::All)
}

/// Whether `view` sees `field` of `type_name`.
pub fn visible(view: View, type_name: &str, field: &str) -> bool {
    match view {
        View::Full => true,
        View::Logistics => match logistics_rule(type_name) {
            Some(Allow::All) => true,
            Some(Allow::Only(fields)) => fields.contains(&field),
            Some(Allow::Unreachable) | None => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_full_view_sees_everything() {
        assert!(visible(View::Full, "Customer", "creditLimit"));
        assert!(visible(View::Full, "Unheard", "anything"));
    }

    #[test]
    fn the_logistics_view_is_deny_by_default() {
        assert!(visible(View::Logistics, "Customer", "address"));
        assert!(!visible(View::Logistics, "Customer", "owner"));
        assert!(!visible(View::Logistics, "Customer", "aFieldAddedLater"));
        assert!(!visible(View::Logistics, "ATypeAddedLater", "id"));
        assert!(!visible(View::Logistics, "Contact", "notes"));
        assert!(visible(View::Logistics, "CustomerConnection", "nodes"));
    }

    #[test]
    fn the_view_follows_the_role_settings() {
        let s = RoleSettings::default();
        assert_eq!(View::of(Role::Warehouse, &s), View::Logistics);
        assert_eq!(View::of(Role::Finance, &s), View::Full);
    }

    #[test]
    fn each_type_has_one_rule() {
        for (i, r) in RULES.iter().enumerate() {
            assert!(
                RULES[i + 1..].iter().all(|o| o.type_name != r.type_name),
                "{} is listed twice",
                r.type_name
            );
        }
    }
}
