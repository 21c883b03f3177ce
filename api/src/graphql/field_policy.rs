//! The one guard that applies `domain::fields` to every field the schema resolves, whatever
//! the path to it (`node`, lists, payloads, nested records): a field the actor's view may not
//! see is never resolved and reads as null, or as an empty list. Resolvers do not repeat the
//! check, so a field added later cannot forget it.

use super::context::RequestAuth;
use crate::error::AppError;
use crate::state::AppState;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo,
};
use async_graphql::{Pos, ServerResult, Value};
use domain::fields::{View, visible};
use std::sync::{Arc, OnceLock};

pub struct FieldPolicy;

impl ExtensionFactory for FieldPolicy {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Guard {
            view: OnceLock::new(),
        })
    }
}

/// One per request: the actor's view is worked out at the first field and kept.
struct Guard {
    view: OnceLock<View>,
}

impl Guard {
    fn view(&self, ctx: &ExtensionContext<'_>) -> View {
        *self.view.get_or_init(|| {
            match (ctx.data_opt::<RequestAuth>(), ctx.data_opt::<AppState>()) {
                (Some(RequestAuth::Authenticated(a)), Some(s)) => {
                    View::of(a.role, &s.role_settings())
                }
                // Without an actor only the sign-in mutations answer, and they answer with the
                // user who just signed in; their fields follow that user's role in later requests.
                _ => View::Full,
            }
        })
    }
}

/// What a hidden field reads as: an empty list, null, or (where the schema promises a value,
/// which the policy test keeps out of every reachable type) a refusal.
pub fn hidden_value(return_type: &str, path: String) -> ServerResult<Option<Value>> {
    if return_type.starts_with('[') {
        Ok(Some(Value::List(Vec::new())))
    } else if !return_type.ends_with('!') {
        Ok(Some(Value::Null))
    } else {
        Err(
            AppError::forbidden(format!("`{path}` is not visible to your role"))
                .to_graphql()
                .into_server_error(Pos::default()),
        )
    }
}

#[async_trait::async_trait]
impl Extension for Guard {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        // List items come through here too, with the list as their "parent": the field that
        // holds the list was checked already.
        if info.is_for_introspection
            || info.parent_type.starts_with('[')
            || visible(self.view(ctx), info.parent_type, info.name)
        {
            return next.run(ctx, info).await;
        }
        hidden_value(
            info.return_type,
            format!("{}.{}", info.parent_type, info.name),
        )
    }
}
