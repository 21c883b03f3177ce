//! Pinyin spellings of customer names, so that "xckj" or "xingchen" finds 星辰科技.

use pinyin::ToPinyin;
use unicode_normalization::UnicodeNormalization;

/// Search forms of a name, matched by substring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinyinKeys {
    /// Toneless pinyin of every Chinese character plus ASCII letters and digits: "xingchenkeji".
    pub full: String,
    /// First letter of each Chinese character's pinyin plus ASCII letters and digits: "xckj".
    pub initials: String,
}

/// Computes the search forms of `name`.
///
/// A Chinese character contributes its first reading, so heteronyms follow the dictionary's
/// most common reading (重庆 gives "zhongqing"); ü is written "v", as pinyin input methods
/// type it. ASCII letters and digits (full-width ones included, via NFKC) count as themselves,
/// lower-cased; everything else is skipped.
pub fn pinyin_keys(name: &str) -> PinyinKeys {
    let mut keys = PinyinKeys {
        full: String::new(),
        initials: String::new(),
    };
    for c in name.nfkc() {
        if let Some(reading) = c.to_pinyin() {
            let spelled: String = reading
                .plain()
                .chars()
                .map(|l| if l == 'ü' { 'v' } else { l })
                .collect();
            keys.initials.extend(spelled.chars().next());
            keys.full.push_str(&spelled);
        } else if c.is_ascii_alphanumeric() {
            let c = c.to_ascii_lowercase();
            keys.full.push(c);
            keys.initials.push(c);
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn keys(full: &str, initials: &str) -> PinyinKeys {
        PinyinKeys {
            full: full.to_owned(),
            initials: initials.to_owned(),
        }
    }

    #[test]
    fn chinese_characters_give_pinyin_and_initials() {
        assert_eq!(pinyin_keys("星辰科技"), keys("xingchenkeji", "xckj"));
        assert!(pinyin_keys("星辰科技有限公司").initials.contains("xckj"));
        assert!(pinyin_keys("北京星辰科技").full.contains("xingchen"));
    }

    #[test]
    fn ascii_letters_and_digits_count_as_themselves() {
        assert_eq!(pinyin_keys("Acme 星辰"), keys("acmexingchen", "acmexc"));
        assert_eq!(pinyin_keys("ＡＣＭＥ 360"), keys("acme360", "acme360"));
    }

    #[test]
    fn punctuation_and_other_scripts_are_skipped() {
        assert_eq!(
            pinyin_keys("星辰·科技（北京）!"),
            keys("xingchenkejibeijing", "xckjbj")
        );
        assert_eq!(pinyin_keys("Ωé—"), keys("", ""));
        assert_eq!(pinyin_keys(""), keys("", ""));
    }

    #[test]
    fn readings_follow_input_method_conventions() {
        assert_eq!(pinyin_keys("绿女"), keys("lvnv", "ln"));
        assert_eq!(pinyin_keys("重庆").full, "zhongqing");
    }

    fn is_subsequence(short: &str, long: &str) -> bool {
        let mut long = long.chars();
        short.chars().all(|c| long.any(|l| l == c))
    }

    proptest! {
        #[test]
        fn initials_are_a_subsequence_of_full(
            name in "[\\x{4e00}-\\x{9fa5}a-zA-Z0-9 ·（）]{0,16}|.{0,16}"
        ) {
            let keys = pinyin_keys(&name);
            prop_assert!(keys.initials.len() <= keys.full.len());
            prop_assert!(is_subsequence(&keys.initials, &keys.full));
            prop_assert!(keys.full.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        }
    }
}
