//! Row scope: the actor turned into SQL conditions. Every list, count, lookup, export and
//! duplicate check of customers and their children is built on these, so the database never
//! returns a row the policy in `domain::permission` would hide.
//!
//! Each reason to see a row is its own disjunct, and sharing is an `EXISTS`, never a join,
//! so a customer both in the actor's team and shared with them is still one row.

use crate::auth::Actor;
use domain::permission::reads_all_customers;
use domain::role::RoleSettings;
use entity::{customer, customer_share};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition};

/// Live customers the actor may read.
pub fn customers(actor: &Actor, settings: &RoleSettings) -> Condition {
    let live = Condition::all().add(customer::Column::DeletedAt.is_null());
    if reads_all_customers(actor.role, settings) {
        return live;
    }
    live.add(
        Condition::any()
            .add(customer::Column::OwnerId.in_subquery(crate::service::org::below(actor.id)))
            .add(customer::Column::OwnerId.is_null())
            .add(shared_with(actor)),
    )
}

/// `EXISTS` a share of the outer `customers` row with the actor.
fn shared_with(actor: &Actor) -> sea_orm::sea_query::SimpleExpr {
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(customer_share::Entity)
            .and_where(
                Expr::col((customer_share::Entity, customer_share::Column::CustomerId))
                    .equals((customer::Entity, customer::Column::Id)),
            )
            .and_where(
                Expr::col((customer_share::Entity, customer_share::Column::UserId)).eq(actor.id),
            )
            .to_owned(),
    )
}
