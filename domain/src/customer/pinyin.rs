//! Pinyin spellings of customer names, so that "xckj" or "xingchen" finds 星辰科技.

use pinyin::{ToPinyin, ToPinyinMulti};
use unicode_normalization::UnicodeNormalization;

/// Variants are joined with this; it never occurs in a spelling.
pub const VARIANT_SEPARATOR: char = '|';

/// At most this many spellings per name: the common one plus one per polyphonic character.
const MAX_VARIANTS: usize = 12;

/// Search forms of a name, matched by substring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinyinKeys {
    /// Toneless pinyin of every Chinese character plus ASCII letters and digits:
    /// "xingchenkeji", then `|`-separated variants for polyphonic characters.
    pub full: String,
    /// First letter of each character's pinyin plus ASCII letters and digits: "xckj", then
    /// variants likewise.
    pub initials: String,
}

/// One character of a name: its readings, the most common first.
fn readings(c: char) -> Option<Vec<String>> {
    if let Some(first) = c.to_pinyin() {
        let mut all = vec![spell(first.plain())];
        if let Some(multi) = c.to_pinyin_multi() {
            for p in multi {
                let s = spell(p.plain());
                if !all.contains(&s) {
                    all.push(s);
                }
            }
        }
        Some(all)
    } else if c.is_ascii_alphanumeric() {
        Some(vec![c.to_ascii_lowercase().to_string()])
    } else {
        None
    }
}

/// ü is written "v", as pinyin input methods type it.
fn spell(plain: &str) -> String {
    plain
        .chars()
        .map(|l| if l == 'ü' { 'v' } else { l })
        .collect()
}

/// Computes the search forms of `name`.
///
/// The first spelling uses each character's most common reading. Each further variant
/// switches one polyphonic character to another reading (成都 is "chengdou" by the dictionary
/// but "chengdu" as a city; 银行 is "yinhang"), so a search that needs one non-default
/// reading finds the name; one that needs two at once may not. ASCII letters and digits
/// (full-width ones included, via NFKC) count as themselves, lower-cased; everything else is
/// skipped.
pub fn pinyin_keys(name: &str) -> PinyinKeys {
    let chars: Vec<Vec<String>> = name.nfkc().filter_map(readings).collect();
    let spelled = |pick: &dyn Fn(usize) -> usize| -> (String, String) {
        let mut full = String::new();
        let mut initials = String::new();
        for (i, r) in chars.iter().enumerate() {
            let s = &r[pick(i)];
            full.push_str(s);
            initials.extend(s.chars().next());
        }
        (full, initials)
    };
    let (mut fulls, mut initials) = (Vec::new(), Vec::new());
    let mut add = |(f, i): (String, String)| {
        if !fulls.contains(&f) && fulls.len() < MAX_VARIANTS {
            fulls.push(f);
        }
        if !initials.contains(&i) && initials.len() < MAX_VARIANTS {
            initials.push(i);
        }
    };
    add(spelled(&|_| 0));
    for (i, r) in chars.iter().enumerate() {
        for alt in 1..r.len() {
            add(spelled(&|j| if j == i { alt } else { 0 }));
        }
    }
    let sep = VARIANT_SEPARATOR.to_string();
    PinyinKeys {
        full: fulls.join(&sep),
        initials: initials.join(&sep),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn first(s: &str) -> &str {
        s.split(VARIANT_SEPARATOR).next().unwrap_or_default()
    }

    fn has(keys: &str, variant: &str) -> bool {
        keys.split(VARIANT_SEPARATOR).any(|v| v == variant)
    }

    #[test]
    fn chinese_characters_give_pinyin_and_initials() {
        let k = pinyin_keys("星辰科技");
        assert_eq!(
            (first(&k.full), first(&k.initials)),
            ("xingchenkeji", "xckj")
        );
        assert!(pinyin_keys("星辰科技有限公司").initials.contains("xckj"));
        assert!(pinyin_keys("北京星辰科技").full.contains("xingchen"));
    }

    #[test]
    fn polyphonic_characters_add_variants() {
        assert!(has(&pinyin_keys("成都").full, "chengdu"));
        assert!(has(&pinyin_keys("重庆").full, "chongqing"));
        assert!(pinyin_keys("招商银行").full.contains("yinhang"));
        let k = pinyin_keys("长风机械");
        assert!(has(&k.initials, "cfjx") && has(&k.initials, "zfjx"));
    }

    #[test]
    fn ascii_letters_and_digits_count_as_themselves() {
        assert_eq!(
            pinyin_keys("ＡＣＭＥ 360"),
            PinyinKeys {
                full: "acme360".into(),
                initials: "acme360".into()
            }
        );
        assert_eq!(first(&pinyin_keys("Acme 星辰").initials), "acmexc");
    }

    #[test]
    fn punctuation_and_other_scripts_are_skipped() {
        let k = pinyin_keys("星辰·科技（北京）!");
        assert_eq!(first(&k.full), "xingchenkejibeijing");
        assert_eq!(first(&k.initials), "xckjbj");
        assert_eq!(pinyin_keys("Ωé—").full, "");
        assert_eq!(pinyin_keys("").initials, "");
    }

    #[test]
    fn readings_follow_input_method_conventions() {
        assert_eq!(first(&pinyin_keys("绿女").full), "lvnv");
        assert_eq!(first(&pinyin_keys("重庆").full), "zhongqing");
    }

    proptest! {
        #[test]
        fn variants_are_bounded_and_well_formed(
            name in "[\\x{4e00}-\\x{9fa5}a-zA-Z0-9 ·（）]{0,16}|.{0,16}"
        ) {
            let keys = pinyin_keys(&name);
            let fulls: Vec<&str> = keys.full.split(VARIANT_SEPARATOR).collect();
            let inits: Vec<&str> = keys.initials.split(VARIANT_SEPARATOR).collect();
            prop_assert!(fulls.len() <= MAX_VARIANTS && inits.len() <= MAX_VARIANTS);
            prop_assert!(inits[0].len() <= fulls[0].len());
            prop_assert!(fulls.iter().all(|f| f.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())));
        }
    }
}
