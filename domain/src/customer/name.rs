//! Customer display names and the key that detects duplicates among them (客户名称排重).

use std::fmt;

use thiserror::Error;
use unicode_normalization::UnicodeNormalization;

use super::region;

/// Longest accepted display name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// A customer's name as shown to users: trimmed, non-empty, bounded and printable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomerName(String);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NameError {
    #[error("the customer name is empty")]
    Empty,
    #[error("the customer name is longer than {max} characters")]
    TooLong { max: usize },
    #[error("the customer name contains a control character")]
    ControlCharacter,
}

impl CustomerName {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let name = input.trim();
        if name.is_empty() {
            return Err(NameError::Empty);
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(NameError::TooLong {
                max: MAX_NAME_CHARS,
            });
        }
        if name.chars().any(char::is_control) {
            return Err(NameError::ControlCharacter);
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for CustomerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Longest first, so that 股份有限公司 is not cut down to a dangling 股份.
#[rustfmt::skip]
const CHINESE_LEGAL_FORMS: &[&str] =
    &["股份有限公司", "有限责任公司", "有限公司", "股份公司", "集团", "公司"];

/// As they look once punctuation has become single spaces ("Co., Ltd." is "co ltd",
/// "L.L.C." is "l l c"); combinations such as "Pte. Ltd." come off one word at a time.
#[rustfmt::skip]
const LATIN_LEGAL_FORMS: &[&str] = &[
    "incorporated", "corporation", "company", "limited", "l l c", "gmbh", "corp", "ltd", "inc",
    "llc", "plc", "pte", "pty", "s a", "co", "ag", "sa",
];

/// "深圳分公司" is a branch rather than a company called 分公司, so its region stays.
#[rustfmt::skip]
const BRANCHES: &[&str] = &["分公司", "分行", "支行", "分店", "分部", "分厂", "办事处", "营业部"];

/// Bounds the re-application in [`match_key`]; real names settle after one or two passes.
const MAX_PASSES: usize = 8;

/// The key under which two customer names count as the same customer.
///
/// It backs the unique index on customers, the duplicate check on create and update, the
/// matching of rows during import and the duplicates query, so it is deterministic and
/// idempotent (`match_key(&match_key(x)) == match_key(x)`); changing these rules means
/// recomputing every stored key. In order:
///
/// 1. Unicode NFKC, which also makes full-width letters, digits and brackets half-width,
///    then lower case.
/// 2. Every bracket kind (（）【】〔〕〈〉《》「」[]{} …) counts as a parenthesis, and a
///    parenthesised region is removed: "星辰科技（北京）有限公司".
/// 3. Whitespace, punctuation and symbols only separate Latin-script words; next to Chinese
///    text they vanish, since Chinese does not separate words.
/// 4. Legal forms come off the end, repeatedly: 股份有限公司, 有限责任公司, 有限公司, 股份公司,
///    集团, 公司 (never the 公司 of 分公司: a branch is a customer of its own), and the whole
///    words Co., Ltd., Limited, Company, Inc., Incorporated, Corp., Corporation, LLC, L.L.C.,
///    GmbH, AG, S.A., PLC, Pte, Pty.
/// 5. Leading region names (北京, 北京市, 广东省, 深圳 …, see [`region`]) come off while at
///    least two characters remain that are not merely a branch word such as 分公司. Hence
///    上海星辰科技 and 北京星辰科技 share a key: the region is not part of the identity.
/// 6. Only letters and digits are kept.
///
/// A step that would leave nothing is skipped, so "北京" and "有限公司" keep themselves as
/// keys, and a name without any letter or digit keeps its symbols. Step 6 can join fragments
/// into something earlier steps remove ("星辰 A.G." becomes 星辰ag, ending in AG), so the steps
/// are repeated until the key no longer changes.
pub fn match_key(name: &str) -> String {
    let mut key = key_pass(name);
    for _ in 1..MAX_PASSES {
        let next = key_pass(&key);
        if next == key {
            break;
        }
        key = next;
    }
    key
}

fn key_pass(name: &str) -> String {
    let folded: String = name
        .nfkc()
        .collect::<String>()
        .to_lowercase()
        .nfkc()
        .map(unify_bracket)
        .collect();
    let text = compact(&drop_bracketed_regions(&folded));
    let without_forms = strip_legal_forms(&text);
    let text = if has_alphanumeric(without_forms) {
        without_forms
    } else {
        &text
    };
    let key: String = strip_leading_regions(text)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    if key.is_empty() {
        folded.chars().filter(|c| !c.is_whitespace()).collect()
    } else {
        key
    }
}

fn unify_bracket(c: char) -> char {
    match c {
        '[' | '{' | '<' | '【' | '〔' | '〖' | '〘' | '〚' | '〈' | '《' | '「' | '『' | '⟨'
        | '⟦' | '⦅' => '(',
        ']' | '}' | '>' | '】' | '〕' | '〗' | '〙' | '〛' | '〉' | '》' | '」' | '』' | '⟩'
        | '⟧' | '⦆' => ')',
        _ => c,
    }
}

fn has_alphanumeric(s: &str) -> bool {
    s.chars().any(char::is_alphanumeric)
}

/// Letters of scripts that separate words with spaces, where a word break is significant.
fn is_spaced_script(c: char) -> bool {
    c.is_alphanumeric() && u32::from(c) < 0x2E80
}

/// Removes "(region)" groups, unless nothing else in the name has a letter or digit.
fn drop_bracketed_regions(s: &str) -> String {
    let mut out = s.to_owned();
    let mut from = 0;
    while let Some(open) = out[from..].find('(').map(|i| from + i) {
        let Some(close) = out[open + 1..].find(['(', ')']).map(|i| open + 1 + i) else {
            break;
        };
        let inner: String = out[open + 1..close]
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect();
        let closed = out[close..].starts_with(')');
        if closed
            && region::is_region(&inner)
            && (has_alphanumeric(&out[..open]) || has_alphanumeric(&out[close + 1..]))
        {
            // A space, not nothing: the group separated whatever stood on either side.
            out.replace_range(open..=close, " ");
            from = open;
        } else {
            from = close;
        }
    }
    out
}

/// Keeps letters and digits, with one space where a run of anything else separated two
/// Latin-script words.
fn compact(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut gap = false;
    for c in s.chars() {
        if c.is_alphanumeric() {
            if gap && is_spaced_script(c) && out.ends_with(is_spaced_script) {
                out.push(' ');
            }
            out.push(c);
            gap = false;
        } else {
            gap = true;
        }
    }
    out
}

fn strip_legal_forms(mut s: &str) -> &str {
    'strip: loop {
        for form in CHINESE_LEGAL_FORMS {
            if let Some(rest) = s.strip_suffix(form)
                && !(*form == "公司" && rest.ends_with('分'))
            {
                s = rest.trim_end();
                continue 'strip;
            }
        }
        for form in LATIN_LEGAL_FORMS {
            if let Some(rest) = s.strip_suffix(form)
                && !rest.ends_with(is_spaced_script)
            {
                s = rest.trim_end();
                continue 'strip;
            }
        }
        return s;
    }
}

fn strip_leading_regions(mut s: &str) -> &str {
    while let Some(rest) = region::strip_region_prefix(s) {
        let rest = rest.trim_start();
        if rest.chars().filter(|c| c.is_alphanumeric()).count() < 2 || BRANCHES.contains(&rest) {
            break;
        }
        s = rest;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::select;

    /// `names` separated by '|'.
    fn same_key(names: &str, expected: &str) {
        for name in names.split('|') {
            assert_eq!(match_key(name), expected, "{name}");
        }
    }

    fn parse(input: &str) -> Result<String, NameError> {
        CustomerName::parse(input).map(|name| name.as_str().to_owned())
    }

    #[test]
    fn parse_trims_and_validates() {
        assert_eq!(parse("  星辰科技 \n"), Ok("星辰科技".to_owned()));
        assert_eq!(
            CustomerName::parse("Acme").map(CustomerName::into_inner),
            Ok("Acme".into())
        );
        assert_eq!(parse(" \t "), Err(NameError::Empty));
        assert_eq!(parse("星\0辰"), Err(NameError::ControlCharacter));
        assert_eq!(parse("星\n辰"), Err(NameError::ControlCharacter));
        let longest = "星".repeat(MAX_NAME_CHARS);
        assert_eq!(parse(&longest).map(|name| name.len()), Ok(600));
        assert_eq!(
            parse(&format!("{longest}a")),
            Err(NameError::TooLong { max: 200 })
        );
        assert!(NameError::TooLong { max: 200 }.to_string().contains("200"));
    }

    #[test]
    fn region_placement_and_width_do_not_matter() {
        same_key(
            "北京星辰科技有限公司|星辰科技（北京）有限公司|北京星辰科技 有限公司|\
             北京市星辰科技有限公司|星辰科技(北京)有限公司|星辰科技【北京市】有限公司|\
             星辰科技有限公司〔北京〕|北京 · 星辰科技股份有限公司|星辰科技",
            "星辰科技",
        );
        same_key(
            "ＸＩＮＧＣＨＥＮ科技有限公司|xingchen科技有限公司",
            "xingchen科技",
        );
        assert_eq!(match_key("上海星辰科技"), match_key("北京星辰科技"));
    }

    #[test]
    fn latin_legal_forms_are_whole_words() {
        same_key(
            "Acme Co., Ltd.|ACME Company Limited|acme ltd|Acme, Inc.|Acme Corp.|Acme L.L.C.|\
             Acme GmbH|Acme S.A.|Acme Pte. Ltd.|ACME PTY LTD|Acme AG|Acme & Co",
            "acme",
        );
        same_key("Costco|costco corporation", "costco");
        same_key("Bag|Bag Inc", "bag");
    }

    #[test]
    fn different_companies_stay_different() {
        assert_ne!(match_key("星辰科技"), match_key("星辰软件"));
        let parent = match_key("星辰科技有限公司");
        assert_ne!(match_key("星辰科技有限公司深圳分公司"), parent);
        assert_eq!(match_key("深圳分公司"), "深圳分公司");
        assert_ne!(match_key("深圳分公司"), match_key("广州分公司"));
        assert_eq!(match_key("北京市场营销有限公司"), "市场营销");
    }

    #[test]
    fn group_forms_are_legal_forms() {
        same_key("星辰集团有限公司|星辰（集团）有限公司|星辰集团", "星辰");
    }

    #[test]
    fn nothing_left_falls_back_to_the_unstripped_key() {
        same_key("北京|（北京）|北京有限公司", "北京");
        same_key("北京市", "北京市");
        same_key("有限公司", "有限公司");
        same_key("Co., Ltd.", "coltd");
        same_key("北京A", "北京a");
        same_key("!!!", "!!!");
    }

    #[test]
    fn fragments_joined_by_removed_punctuation_are_stripped_too() {
        same_key("星辰 A.G.", "星辰");
    }

    /// One of the '|'-separated `items`.
    fn one_of(items: &'static str) -> impl Strategy<Value = &'static str> {
        select(items.split('|').collect::<Vec<_>>())
    }

    fn name_like() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            one_of(
                "北京|北京市|广东省|深圳|上海|有限公司|股份有限公司|集团|公司|分公司|co|ltd|inc|\
                 a|g|l.l.c.|s.a.| |\u{3000}|.|,|·|（|）|(|)|【|】|《|」|ＡＣＭＥ|星辰|科技|市场|Ω"
            )
            .prop_map(str::to_owned),
            "[a-zA-Z0-9 ]",
            any::<char>().prop_map(String::from),
        ];
        let messy = prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat());
        prop_oneof![messy, any::<String>()]
    }

    const CORE: &str = "星辰科技软件网络信息数据智能恒达远航明德瑞丰泰华盛鼎博睿";

    prop_compose! {
        /// A company name written with noise, and the key it should have. The core's
        /// characters can form neither a region nor a legal form.
        fn written_company()(
            region in prop::option::of(
                (one_of("北京|北京市|广东|广东省|深圳市|新疆"), any::<bool>())
            ),
            core in prop::collection::vec(select(CORE.chars().collect::<Vec<_>>()), 2..6),
            tag in prop::option::of("[A-Za-z][0-9]"),
            form in one_of(
                "|有限公司|股份有限公司|有限责任公司|集团有限公司|公司|\
                 \x20Co., Ltd.| Limited| Inc.| LLC| GmbH| Pte. Ltd."
            ),
            brackets in one_of("()|（）|【】|[]|〔〕|《》|「」|{}|〈〉|［］"),
            noise in prop::collection::vec(0u8..5, 48),
        ) -> (String, String) {
            let core = core.into_iter().collect::<String>() + tag.as_deref().unwrap_or("");
            let (open, close) = brackets.split_at(brackets.len() / 2);
            let name = match region {
                Some((region, true)) => format!("{core}{open}{region}{close}{form}"),
                Some((region, false)) => format!("{region}{core}{form}"),
                None => format!("{core}{form}"),
            };
            let mut written = String::new();
            let mut previous = ' ';
            for (c, noise) in name.chars().zip(noise.into_iter().cycle()) {
                let inside_word = previous.is_ascii_alphanumeric() && c.is_ascii_alphanumeric();
                match noise {
                    1 if !inside_word => written.push(' '),
                    2 if !inside_word => written.push('\u{3000}'),
                    _ => {}
                }
                match (noise, char::from_u32(u32::from(c) + 0xFEE0)) {
                    (3, Some(wide)) if c.is_ascii_graphic() => written.push(wide),
                    (4, _) => written.extend(c.to_uppercase()),
                    _ => written.push(c),
                }
                previous = c;
            }
            (written, core.to_lowercase())
        }
    }

    proptest! {
        #[test]
        fn match_key_is_idempotent(name in name_like()) {
            let key = match_key(&name);
            prop_assert_eq!(match_key(&key), key);
        }

        #[test]
        fn match_key_is_never_empty_for_a_name(
            name in name_like(),
            letter in "[\\p{L}\\p{N}]",
            at in any::<prop::sample::Index>(),
        ) {
            let mut name: Vec<char> = name.chars().collect();
            let at = at.index(name.len() + 1);
            name.splice(at..at, letter.chars());
            let name: String = name.into_iter().collect();
            prop_assert!(name.chars().any(char::is_alphanumeric));
            prop_assert!(!match_key(&name).is_empty());
        }

        #[test]
        fn match_key_ignores_how_a_company_is_written((written, key) in written_company()) {
            prop_assert_eq!(match_key(&written), key);
        }
    }
}
