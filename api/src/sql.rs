//! SQL fragments every search shares.

use domain::text::escape_like;
use sea_orm::sea_query::LikeExpr;

/// `LIKE '%text%'` matching `text` literally: `%`, `_` and `\` in it are escaped.
pub fn contains(text: &str) -> LikeExpr {
    LikeExpr::new(format!("%{}%", escape_like(text))).escape('\\')
}
