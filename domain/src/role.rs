//! Roles and the capabilities each one carries.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Admin,
    Manager,
    Sales,
    Finance,
    Warehouse,
}

/// Something a role may do. Row scope (which records) is decided separately by
/// [`crate::permission`]; a capability says what kind of action is allowed at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// Create, update and deactivate users; change roles and managers.
    ManageUsers,
    /// See every customer regardless of owner (read only).
    ReadAllCustomers,
    /// See only the name, contacts and addresses of customers, never money or notes.
    ReadCustomerLogisticsOnly,
    /// Create customers (owned by the creator unless assigned).
    CreateCustomer,
    /// Edit customers within the actor's scope (owned, team or shared for edit).
    EditCustomer,
    /// Delete customers the actor owns.
    DeleteOwnCustomer,
    /// Delete customers owned by people below the actor in the org tree.
    DeleteTeamCustomer,
    /// Claim customers from the public pool.
    ClaimFromPool,
    /// Restore soft-deleted customers.
    RestoreCustomer,
    /// Import customers from files.
    ImportCustomers,
    /// Delete contacts of customers the actor may edit.
    DeleteContact,
}

impl Role {
    pub const ALL: &'static [Role] = &[
        Role::Admin,
        Role::Manager,
        Role::Sales,
        Role::Finance,
        Role::Warehouse,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "ADMIN",
            Role::Manager => "MANAGER",
            Role::Sales => "SALES",
            Role::Finance => "FINANCE",
            Role::Warehouse => "WAREHOUSE",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL
            .iter()
            .copied()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// The capability sets (the documented defaults; `sales_can_delete` is a setting).
    pub fn capabilities(self, settings: &RoleSettings) -> Vec<Capability> {
        use Capability::*;
        match self {
            Role::Admin => vec![
                ManageUsers,
                ReadAllCustomers,
                CreateCustomer,
                EditCustomer,
                DeleteOwnCustomer,
                DeleteTeamCustomer,
                ClaimFromPool,
                RestoreCustomer,
                ImportCustomers,
                DeleteContact,
            ],
            Role::Manager => vec![
                CreateCustomer,
                EditCustomer,
                DeleteOwnCustomer,
                DeleteTeamCustomer,
                ClaimFromPool,
                ImportCustomers,
                DeleteContact,
            ],
            Role::Sales => {
                let mut caps = vec![
                    CreateCustomer,
                    EditCustomer,
                    ClaimFromPool,
                    ImportCustomers,
                    DeleteContact,
                ];
                if settings.sales_can_delete {
                    caps.push(DeleteOwnCustomer);
                }
                caps
            }
            Role::Finance => vec![ReadAllCustomers],
            Role::Warehouse => vec![ReadAllCustomers, ReadCustomerLogisticsOnly],
        }
    }

    pub fn can(self, capability: Capability, settings: &RoleSettings) -> bool {
        self.capabilities(settings).contains(&capability)
    }
}

/// Role defaults an operator may change.
#[derive(Debug, Clone, Default)]
pub struct RoleSettings {
    /// Whether a SALES user may delete the customers they own (default: no).
    pub sales_can_delete: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_case_insensitively() {
        for r in Role::ALL {
            assert_eq!(Role::parse(&r.as_str().to_lowercase()), Some(*r));
        }
        assert_eq!(Role::parse("ROOT"), None);
    }

    #[test]
    fn sales_delete_follows_the_setting() {
        let off = RoleSettings::default();
        let on = RoleSettings {
            sales_can_delete: true,
        };
        assert!(!Role::Sales.can(Capability::DeleteOwnCustomer, &off));
        assert!(Role::Sales.can(Capability::DeleteOwnCustomer, &on));
        assert!(Role::Manager.can(Capability::DeleteTeamCustomer, &off));
        assert!(!Role::Finance.can(Capability::EditCustomer, &off));
        assert!(Role::Admin.can(Capability::ManageUsers, &off));
        assert!(!Role::Manager.can(Capability::ManageUsers, &off));
    }
}
