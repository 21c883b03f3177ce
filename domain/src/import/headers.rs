//! Maps a header row onto the import fields.

use super::ImportError;

/// Every column the import understands. The discriminant indexes [`HeaderMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Name,
    Kind,
    Importance,
    LoyaltyStage,
    Source,
    Industry,
    Province,
    City,
    Address,
    Phone,
    Website,
    Tags,
    Notes,
    OwnerEmail,
    CreditLimit,
    ContactName,
    ContactTitle,
    ContactMobile,
    ContactPhone,
    ContactEmail,
    ContactWechat,
}

const FIELD_COUNT: usize = 21;

impl Field {
    pub(super) const ALL: [Field; FIELD_COUNT] = [
        Field::Name,
        Field::Kind,
        Field::Importance,
        Field::LoyaltyStage,
        Field::Source,
        Field::Industry,
        Field::Province,
        Field::City,
        Field::Address,
        Field::Phone,
        Field::Website,
        Field::Tags,
        Field::Notes,
        Field::OwnerEmail,
        Field::CreditLimit,
        Field::ContactName,
        Field::ContactTitle,
        Field::ContactMobile,
        Field::ContactPhone,
        Field::ContactEmail,
        Field::ContactWechat,
    ];

    /// The name used in [`super::RowError::field`]; matches the API's camelCase input names.
    pub(super) fn key(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Kind => "kind",
            Field::Importance => "importance",
            Field::LoyaltyStage => "loyaltyStage",
            Field::Source => "source",
            Field::Industry => "industry",
            Field::Province => "province",
            Field::City => "city",
            Field::Address => "address",
            Field::Phone => "phone",
            Field::Website => "website",
            Field::Tags => "tags",
            Field::Notes => "notes",
            Field::OwnerEmail => "ownerEmail",
            Field::CreditLimit => "creditLimit",
            Field::ContactName => "contactName",
            Field::ContactTitle => "contactTitle",
            Field::ContactMobile => "contactMobile",
            Field::ContactPhone => "contactPhone",
            Field::ContactEmail => "contactEmail",
            Field::ContactWechat => "contactWechat",
        }
    }

    /// Accepted header texts, already in the form [`normalize`] produces.
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Field::Name => &[
                "客户名称",
                "客户",
                "公司名称",
                "名称",
                "name",
                "customer",
                "customer name",
                "company",
            ],
            Field::Kind => &["客户类型", "类型", "kind", "type"],
            Field::Importance => &["重要程度", "客户级别", "级别", "importance", "level"],
            Field::LoyaltyStage => &["客户阶段", "阶段", "loyalty", "loyalty stage", "stage"],
            Field::Source => &["客户来源", "来源", "source"],
            Field::Industry => &["行业", "所属行业", "industry"],
            Field::Province => &["省份", "省", "province"],
            Field::City => &["城市", "市", "city"],
            Field::Address => &["地址", "详细地址", "address"],
            Field::Phone => &["电话", "公司电话", "座机", "phone", "telephone"],
            Field::Website => &["网址", "网站", "website", "url"],
            Field::Tags => &["标签", "tags"],
            Field::Notes => &["备注", "notes", "remark"],
            Field::OwnerEmail => &["负责人邮箱", "负责人", "owner", "owner email"],
            Field::CreditLimit => &["信用额度", "credit limit"],
            Field::ContactName => &["联系人", "联系人姓名", "contact", "contact name"],
            Field::ContactTitle => &["职务", "职位", "联系人职务", "title"],
            Field::ContactMobile => &["手机", "手机号", "手机号码", "联系人手机", "mobile"],
            Field::ContactPhone => &["联系人电话", "contact phone"],
            Field::ContactEmail => &[
                "邮箱",
                "电子邮箱",
                "电子邮件",
                "联系人邮箱",
                "email",
                "e-mail",
            ],
            Field::ContactWechat => &["微信", "微信号", "联系人微信", "wechat"],
        }
    }

    pub(super) fn bit(self) -> u32 {
        1 << self as u32
    }

    /// Free-text fields where a line break typed in a spreadsheet (Alt+Enter) is legitimate.
    pub(super) fn allows_line_breaks(self) -> bool {
        matches!(self, Field::Address | Field::Notes)
    }

    fn lookup(normalized: &str) -> Option<Field> {
        Field::ALL
            .into_iter()
            .find(|f| f.synonyms().contains(&normalized))
    }
}

/// Column index of each recognised field.
#[derive(Debug, Clone)]
pub(super) struct HeaderMap {
    columns: [Option<usize>; FIELD_COUNT],
    /// Header texts that matched no field, in column order.
    pub(super) ignored: Vec<String>,
}

impl HeaderMap {
    /// `cells` yields `(column, raw header text)` in column order.
    pub(super) fn build<'a>(
        cells: impl IntoIterator<Item = (usize, &'a str)>,
    ) -> Result<HeaderMap, ImportError> {
        let mut columns = [None; FIELD_COUNT];
        let mut originals: [&str; FIELD_COUNT] = [""; FIELD_COUNT];
        let mut ignored = Vec::new();
        for (col, raw) in cells {
            let trimmed = raw.trim();
            if trimmed.is_empty() {
                continue;
            }
            match Field::lookup(&normalize(trimmed)) {
                Some(field) => {
                    let slot = field as usize;
                    if columns[slot].is_some() {
                        return Err(ImportError::Malformed {
                            message: format!(
                                "columns \"{}\" and \"{}\" both map to the {} field",
                                originals[slot],
                                trimmed,
                                field.key()
                            ),
                        });
                    }
                    columns[slot] = Some(col);
                    originals[slot] = trimmed;
                }
                None => ignored.push(trimmed.to_owned()),
            }
        }
        if columns[Field::Name as usize].is_none() {
            return Err(ImportError::MissingHeader { header: "name" });
        }
        Ok(HeaderMap { columns, ignored })
    }

    pub(super) fn column(&self, field: Field) -> Option<usize> {
        self.columns[field as usize]
    }

    /// One past the highest mapped column: cells to the right of it are never read.
    pub(super) fn width(&self) -> usize {
        self.columns.iter().flatten().max().map_or(0, |&c| c + 1)
    }

    pub(super) fn mapped_columns(&self) -> impl Iterator<Item = usize> + '_ {
        self.columns.iter().flatten().copied()
    }
}

/// Templates commonly decorate headers: `客户名称*`, `手机号（必填）`, `Credit_Limit (元)`.
/// Those decorations are dropped so the bare name can be matched.
pub(super) fn normalize(raw: &str) -> String {
    let mut s = strip_decoration(raw);
    if let Some(inner) = strip_trailing_annotation(s) {
        let inner = strip_decoration(inner);
        // A header that is nothing but an annotation keeps its text rather than becoming blank.
        if !inner.is_empty() {
            s = inner;
        }
    }
    let mut out = String::with_capacity(s.len());
    for word in s
        .split(|c: char| c.is_whitespace() || c == '_')
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

fn strip_decoration(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || matches!(c, '*' | '＊' | '\u{feff}'))
}

fn strip_trailing_annotation(s: &str) -> Option<&str> {
    let open = match s.chars().next_back()? {
        ')' => '(',
        '）' => '（',
        ']' => '[',
        '】' => '【',
        _ => return None,
    };
    s.rfind(open).map(|i| &s[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_decorated_headers() {
        assert_eq!(normalize("  Customer   Name "), "customer name");
        assert_eq!(normalize("客户名称*"), "客户名称");
        assert_eq!(normalize("*手机号（必填）"), "手机号");
        assert_eq!(normalize("Credit_Limit (CNY)"), "credit limit");
        assert_eq!(normalize("(备注)"), "(备注)");
        assert_eq!(normalize("E-Mail"), "e-mail");
    }

    #[test]
    fn every_synonym_is_normalized_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for field in Field::ALL {
            assert_eq!(Field::ALL[field as usize], field);
            for s in field.synonyms() {
                assert_eq!(normalize(s), *s);
                assert!(seen.insert(*s), "synonym {s} listed twice");
            }
        }
    }
}
