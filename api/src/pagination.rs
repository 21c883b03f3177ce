//! Keyset pagination shared by every list: `first/after` and `last/before`, every ordering
//! ending with the unique id so rows are never skipped or repeated at page edges.

use crate::error::{AppError, AppResult};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// The default of `GUANXI_MAX_PAGE_SIZE`.
pub const MAX_PAGE_SIZE: u64 = 100;
/// The highest `GUANXI_MAX_PAGE_SIZE` accepted; query complexity counts pages up to it.
pub const PAGE_SIZE_CEILING: u64 = 1000;

#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    /// The largest page served (`GUANXI_MAX_PAGE_SIZE`); `MAX_PAGE_SIZE` when `None`.
    pub max_size: Option<u64>,
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// The sort value of one row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Key {
    Time(DateTime<Utc>),
    Text(String),
    Id(Uuid),
    Null,
}

#[derive(Serialize, Deserialize)]
struct CursorData {
    /// The ordering the cursor was made for; using it with another one is an error.
    s: String,
    v: Key,
    id: Uuid,
}

/// How a list is ordered: a named column, a direction, then the id.
pub struct Sort<E: EntityTrait> {
    pub name: String,
    pub column: E::Column,
    pub id: E::Column,
    pub desc: bool,
    pub nullable: bool,
    pub key: fn(&E::Model) -> Key,
}

pub struct Page<M> {
    pub rows: Vec<(String, M)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub total_count: Option<u64>,
}

fn encode_cursor(sort: &str, key: Key, id: Uuid) -> String {
    let data = CursorData {
        s: sort.to_string(),
        v: key,
        id,
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&data).unwrap_or_default())
}

fn decode_cursor(field: &str, sort: &str, cursor: &str) -> AppResult<CursorData> {
    let bad = || AppError::validation(field, "is not a cursor of this list and ordering");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let data: CursorData = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if data.s != sort {
        return Err(bad());
    }
    Ok(data)
}

fn cmp<C: ColumnTrait>(col: C, greater: bool, key: &Key) -> SimpleExpr {
    match (key, greater) {
        (Key::Time(t), true) => col.gt(*t),
        (Key::Time(t), false) => col.lt(*t),
        (Key::Text(s), true) => col.gt(s.clone()),
        (Key::Text(s), false) => col.lt(s.clone()),
        (Key::Id(u), true) => col.gt(*u),
        (Key::Id(u), false) => col.lt(*u),
        (Key::Null, _) => Expr::value(false),
    }
}

fn eq<C: ColumnTrait>(col: C, key: &Key) -> SimpleExpr {
    match key {
        Key::Time(t) => col.eq(*t),
        Key::Text(s) => col.eq(s.clone()),
        Key::Id(u) => col.eq(*u),
        Key::Null => col.is_null(),
    }
}

/// Rows strictly after the cursor in the effective order. Nulls sort last in the requested
/// order (so first when walking backwards), the same on SQLite and PostgreSQL.
fn after<E: EntityTrait>(sort: &Sort<E>, backwards: bool, c: &CursorData) -> Condition {
    let greater = sort.desc == backwards;
    let id_after = if greater {
        sort.id.gt(c.id)
    } else {
        sort.id.lt(c.id)
    };
    let col = sort.column;
    match (&c.v, backwards) {
        (Key::Null, false) => Condition::all().add(col.is_null()).add(id_after),
        (Key::Null, true) => Condition::any()
            .add(Condition::all().add(col.is_null()).add(id_after))
            .add(col.is_not_null()),
        (v, _) => {
            let strict = Condition::any()
                .add(cmp(col, greater, v))
                .add(Condition::all().add(eq(col, v)).add(id_after));
            let non_null = Condition::all().add(col.is_not_null()).add(strict);
            if sort.nullable && !backwards {
                Condition::any().add(non_null).add(col.is_null())
            } else {
                non_null
            }
        }
    }
}

/// A cursor is client input: its value must have the sort column's type, or the comparison
/// would fail in the database (PostgreSQL) or silently misorder (SQLite).
fn fits<E: EntityTrait>(sort: &Sort<E>, key: &Key) -> bool {
    use sea_orm::sea_query::ColumnType;
    match (key, sort.column.def().get_column_type()) {
        (Key::Null, _) => sort.nullable,
        (Key::Text(s), ColumnType::Text | ColumnType::String(_)) => !s.contains('\0'),
        (Key::Time(_), ColumnType::TimestampWithTimeZone | ColumnType::Timestamp) => true,
        (Key::Id(_), ColumnType::Uuid) => true,
        _ => false,
    }
}

fn size(field: &str, n: i32, max: u64) -> AppResult<u64> {
    if n < 0 {
        return Err(AppError::validation(field, "must not be negative"));
    }
    Ok((n as u64).min(max))
}

/// `select` in the list's order (reversed when paging backwards), nulls last either way and
/// the id last; the migrations index exactly these forms.
pub fn ordered<E: EntityTrait>(select: Select<E>, sort: &Sort<E>, backwards: bool) -> Select<E> {
    let dir = if sort.desc == backwards {
        Order::Asc
    } else {
        Order::Desc
    };
    let mut query = select;
    if sort.nullable {
        let nulls = if backwards { Order::Desc } else { Order::Asc };
        query = query.order_by(sort.column.is_null(), nulls);
    }
    query
        .order_by(sort.column, dir.clone())
        .order_by(sort.id, dir)
}

/// Loads one page of `select` (already scoped and filtered) in the given order.
pub async fn page<E: EntityTrait>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    sort: &Sort<E>,
    args: &PageArgs,
    with_total: bool,
) -> AppResult<Page<E::Model>>
where
    E::Model: Send + Sync,
{
    if args.first.is_some() && args.last.is_some() {
        return Err(AppError::validation(
            "last",
            "use either first or last, not both",
        ));
    }
    if (args.first.is_some() && args.before.is_some())
        || (args.last.is_some() && args.after.is_some())
    {
        return Err(AppError::validation(
            "before",
            "use first with after, or last with before",
        ));
    }
    let backwards = args.last.is_some() || (args.first.is_none() && args.before.is_some());
    let max = args
        .max_size
        .unwrap_or(MAX_PAGE_SIZE)
        .clamp(1, PAGE_SIZE_CEILING);
    let limit = match (args.first, args.last) {
        (Some(n), _) => size("first", n, max)?,
        (_, Some(n)) => size("last", n, max)?,
        _ => DEFAULT_PAGE_SIZE.min(max),
    };
    let total_count = if with_total {
        Some(select.clone().count(db).await?)
    } else {
        None
    };
    let (cursor_field, cursor) = if backwards {
        ("before", &args.before)
    } else {
        ("after", &args.after)
    };
    let mut query = select;
    let cursor_name = format!("{}:{}", E::default().table_name(), sort.name);
    if let Some(c) = cursor {
        let data = decode_cursor(cursor_field, &cursor_name, c)?;
        if !fits(sort, &data.v) {
            return Err(AppError::validation(
                cursor_field,
                "is not a cursor of this list and ordering",
            ));
        }
        query = query.filter(after(sort, backwards, &data));
    }
    let mut rows = ordered(query, sort, backwards)
        .limit(limit + 1)
        .all(db)
        .await?;
    let has_more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    if backwards {
        rows.reverse();
    }
    let rows = rows
        .into_iter()
        .map(|m| {
            let key = (sort.key)(&m);
            let id = row_id(sort, &m);
            (encode_cursor(&cursor_name, key, id), m)
        })
        .collect();
    Ok(Page {
        rows,
        has_next_page: if backwards {
            args.before.is_some()
        } else {
            has_more
        },
        has_previous_page: if backwards {
            has_more
        } else {
            args.after.is_some()
        },
        total_count,
    })
}

fn row_id<E: EntityTrait>(sort: &Sort<E>, m: &E::Model) -> Uuid {
    use sea_orm::ModelTrait;
    match m.get(sort.id) {
        sea_orm::Value::Uuid(Some(id)) => id,
        _ => Uuid::nil(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_capped_and_never_negative() {
        assert_eq!(size("first", 1000, MAX_PAGE_SIZE).unwrap(), MAX_PAGE_SIZE);
        assert_eq!(size("first", 7, MAX_PAGE_SIZE).unwrap(), 7);
        assert_eq!(size("first", 70, 50).unwrap(), 50);
        assert!(size("first", -1, MAX_PAGE_SIZE).is_err());
    }
}
