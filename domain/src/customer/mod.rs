//! Customers: classification, names and their duplicate-control keys.

mod classification;
pub mod name;
pub mod pinyin;
pub mod region;

pub use classification::{CustomerKind, Importance, LoyaltyStage};
pub use name::{CustomerName, match_key};
pub use pinyin::{PinyinKeys, pinyin_keys};
