//! The customer access policy: who may see and change a customer, as a pure function of
//! the actor and the customer's ownership facts.
//!
//! The API turns the read half of this policy into one SQL condition (so lists, counts and
//! lookups never load rows the actor may not see); the end-to-end property tests check that
//! the SQL and this function agree for random org trees, owners and shares.

use crate::role::{Capability, Role, RoleSettings};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ShareLevel {
    Read,
    Edit,
}

impl ShareLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            ShareLevel::Read => "READ",
            ShareLevel::Edit => "EDIT",
        }
    }

    pub fn parse(s: &str) -> Option<ShareLevel> {
        match s {
            "READ" => Some(ShareLevel::Read),
            "EDIT" => Some(ShareLevel::Edit),
            _ => None,
        }
    }
}

/// Why an actor can see a customer; several may hold at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AccessReason {
    Owner,
    Hierarchy,
    ShareRead,
    ShareEdit,
    Pool,
    Role,
}

#[derive(Debug, Clone, Copy)]
pub struct ActorFacts {
    pub id: Uuid,
    pub role: Role,
}

/// What the policy needs to know about one customer relative to one actor.
#[derive(Debug, Clone, Copy)]
pub struct CustomerFacts {
    pub owner: Option<Uuid>,
    /// The owner is strictly below the actor in the org tree (at any depth).
    pub owner_below_actor: bool,
    /// The strongest share of this customer with the actor, if any.
    pub share: Option<ShareLevel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Access {
    pub can_read: bool,
    pub can_edit: bool,
    pub can_delete: bool,
    pub can_share: bool,
    pub can_transfer: bool,
    pub can_claim: bool,
    pub reasons: Vec<AccessReason>,
}

pub fn customer_access(actor: ActorFacts, c: CustomerFacts, settings: &RoleSettings) -> Access {
    let role = actor.role;
    let can = |cap| role.can(cap, settings);
    let is_owner = c.owner == Some(actor.id);
    let in_team = c.owner.is_some() && c.owner_below_actor && !is_owner;
    let is_admin = role == Role::Admin;

    let mut reasons = Vec::new();
    if is_owner {
        reasons.push(AccessReason::Owner);
    }
    if in_team {
        reasons.push(AccessReason::Hierarchy);
    }
    match c.share {
        Some(ShareLevel::Read) => reasons.push(AccessReason::ShareRead),
        Some(ShareLevel::Edit) => reasons.push(AccessReason::ShareEdit),
        None => {}
    }
    if c.owner.is_none() {
        reasons.push(AccessReason::Pool);
    }
    if can(Capability::ReadAllCustomers) {
        reasons.push(AccessReason::Role);
    }
    // A logistics-only role reads every customer by role; any other reason would tell it who
    // owns the customer or whether it is in the pool.
    if can(Capability::ReadCustomerLogisticsOnly) {
        reasons.retain(|r| *r == AccessReason::Role);
    }

    let entitled = is_admin || ((is_owner || in_team) && can(Capability::EditCustomer));
    Access {
        can_read: !reasons.is_empty(),
        can_edit: is_admin
            || (can(Capability::EditCustomer)
                && (is_owner || in_team || c.share == Some(ShareLevel::Edit))),
        can_delete: is_admin
            || (is_owner && can(Capability::DeleteOwnCustomer))
            || (in_team && can(Capability::DeleteTeamCustomer)),
        can_share: entitled,
        can_transfer: entitled,
        can_claim: c.owner.is_none() && can(Capability::ClaimFromPool),
        reasons,
    }
}

/// Whether a role's row scope is every customer (then the SQL scope is no condition at all).
pub fn reads_all_customers(role: Role, settings: &RoleSettings) -> bool {
    role.can(Capability::ReadAllCustomers, settings)
}

/// Roles that may own customers (be a customer's salesperson).
pub fn may_own_customers(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Manager | Role::Sales)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(owner: Option<Uuid>, below: bool, share: Option<ShareLevel>) -> CustomerFacts {
        CustomerFacts {
            owner,
            owner_below_actor: below,
            share,
        }
    }

    #[test]
    fn sales_sees_own_shared_and_pool_but_not_peers() {
        let s = RoleSettings::default();
        let me = ActorFacts {
            id: Uuid::now_v7(),
            role: Role::Sales,
        };
        let peer = Some(Uuid::now_v7());
        let own = customer_access(me, facts(Some(me.id), false, None), &s);
        assert!(own.can_read && own.can_edit && !own.can_delete && own.can_transfer);
        assert!(!customer_access(me, facts(peer, false, None), &s).can_read);
        let shared = customer_access(me, facts(peer, false, Some(ShareLevel::Read)), &s);
        assert!(shared.can_read && !shared.can_edit && !shared.can_transfer);
        let edit = customer_access(me, facts(peer, false, Some(ShareLevel::Edit)), &s);
        assert!(edit.can_edit && !edit.can_transfer && !edit.can_delete);
        let pool = customer_access(me, facts(None, false, None), &s);
        assert!(pool.can_read && !pool.can_edit && pool.can_claim);
        assert_eq!(pool.reasons, vec![AccessReason::Pool]);
    }

    #[test]
    fn manager_controls_the_team_and_finance_only_reads() {
        let s = RoleSettings::default();
        let boss = ActorFacts {
            id: Uuid::now_v7(),
            role: Role::Manager,
        };
        let team = customer_access(boss, facts(Some(Uuid::now_v7()), true, None), &s);
        assert!(team.can_read && team.can_edit && team.can_delete && team.can_transfer);
        assert_eq!(team.reasons, vec![AccessReason::Hierarchy]);
        let fin = ActorFacts {
            id: Uuid::now_v7(),
            role: Role::Finance,
        };
        let f = customer_access(fin, facts(Some(Uuid::now_v7()), false, None), &s);
        assert!(f.can_read && !f.can_edit && !f.can_delete && !f.can_claim);
        assert_eq!(f.reasons, vec![AccessReason::Role]);
    }

    #[test]
    fn warehouse_reads_by_role_only_and_learns_nothing_of_ownership() {
        let s = RoleSettings::default();
        let wh = ActorFacts {
            id: Uuid::now_v7(),
            role: Role::Warehouse,
        };
        for owner in [None, Some(wh.id), Some(Uuid::now_v7())] {
            let a = customer_access(wh, facts(owner, false, Some(ShareLevel::Read)), &s);
            assert_eq!(a.reasons, vec![AccessReason::Role]);
            assert!(a.can_read && !a.can_claim && !a.can_edit);
        }
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn role() -> impl Strategy<Value = Role> {
        prop::sample::select(Role::ALL.to_vec())
    }

    proptest! {
        /// Whatever the facts, every right implies reading, and only owners' superiors,
        /// owners and admins may hand a customer on.
        #[test]
        fn rights_are_consistent(
            role in role(),
            owner_kind in 0u8..3,
            below in any::<bool>(),
            share in prop::option::of(prop::sample::select(vec![ShareLevel::Read, ShareLevel::Edit])),
            sales_can_delete in any::<bool>(),
        ) {
            let me = Uuid::now_v7();
            let owner = match owner_kind { 0 => None, 1 => Some(me), _ => Some(Uuid::now_v7()) };
            let facts = CustomerFacts { owner, owner_below_actor: below && owner_kind == 2, share };
            let settings = RoleSettings { sales_can_delete };
            let a = customer_access(ActorFacts { id: me, role }, facts, &settings);
            prop_assert!(!a.can_edit || a.can_read);
            prop_assert!(!a.can_delete || a.can_read);
            prop_assert!(!a.can_share || a.can_read);
            prop_assert!(!a.can_claim || owner.is_none());
            let entitled = role == Role::Admin || owner_kind == 1 || facts.owner_below_actor;
            prop_assert!(!a.can_transfer || entitled);
            prop_assert_eq!(a.can_read, !a.reasons.is_empty());
            if matches!(role, Role::Finance | Role::Warehouse) {
                prop_assert!(!a.can_edit && !a.can_delete && !a.can_transfer);
            }
        }
    }
}
