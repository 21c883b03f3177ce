use serde::{Deserialize, Serialize};

/// Generates `as_str` (the stored value), `parse` (stored value, English or Chinese label,
/// case-insensitive) and `ALL` for a classification enum.
macro_rules! labelled_enum {
    ($name:ident { $($variant:ident => $code:literal, [$($label:literal),*]),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value stored in the database and used in the API.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Accepts the stored code or any known label (import files use Chinese labels).
            pub fn parse(input: &str) -> Option<Self> {
                let t = input.trim();
                $(
                    if t.eq_ignore_ascii_case($code) $(|| t.eq_ignore_ascii_case($label))* {
                        return Some($name::$variant);
                    }
                )+
                None
            }
        }
    };
}

labelled_enum!(CustomerKind {
    Company => "COMPANY", ["company", "企业", "公司", "单位"],
    Individual => "INDIVIDUAL", ["individual", "person", "个人"],
});

labelled_enum!(Importance {
    Vip => "VIP", ["重要客户VIP", "贵宾", "关键"],
    Important => "IMPORTANT", ["重要"],
    Ordinary => "ORDINARY", ["普通", "一般"],
});

labelled_enum!(LoyaltyStage {
    Potential => "POTENTIAL", ["潜在", "潜在客户"],
    New => "NEW", ["新", "新客户"],
    Regular => "REGULAR", ["常规", "普通客户", "稳定"],
    Old => "OLD", ["老", "老客户"],
    Loyal => "LOYAL", ["忠诚", "忠诚客户"],
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_labels_parse() {
        for k in Importance::ALL {
            assert_eq!(Importance::parse(k.as_str()), Some(*k));
        }
        assert_eq!(Importance::parse(" vip "), Some(Importance::Vip));
        assert_eq!(LoyaltyStage::parse("老客户"), Some(LoyaltyStage::Old));
        assert_eq!(CustomerKind::parse("个人"), Some(CustomerKind::Individual));
        assert_eq!(CustomerKind::parse("robot"), None);
    }
}
