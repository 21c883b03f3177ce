//! Chinese region names that commonly prefix or annotate a company name.
//!
//! "北京星辰科技有限公司" and "星辰科技（北京）有限公司" are the same company written two
//! ways, so the duplicate key has to recognise the region part. The list is deliberately
//! limited to provincial-level divisions and large cities: every extra entry is a word that
//! can no longer start a distinguishing part of a name.

/// Each region with the administrative suffixes it may carry ("北京" / "北京市").
const REGIONS: &[(&str, &[&str])] = &[
    // Municipalities.
    ("北京", &["市"]),
    ("天津", &["市"]),
    ("上海", &["市"]),
    ("重庆", &["市"]),
    // Provinces; 吉林 is also the name of a city in that province.
    ("河北", &["省"]),
    ("山西", &["省"]),
    ("辽宁", &["省"]),
    ("吉林", &["省", "市"]),
    ("黑龙江", &["省"]),
    ("江苏", &["省"]),
    ("浙江", &["省"]),
    ("安徽", &["省"]),
    ("福建", &["省"]),
    ("江西", &["省"]),
    ("山东", &["省"]),
    ("河南", &["省"]),
    ("湖北", &["省"]),
    ("湖南", &["省"]),
    ("广东", &["省"]),
    ("海南", &["省"]),
    ("四川", &["省"]),
    ("贵州", &["省"]),
    ("云南", &["省"]),
    ("陕西", &["省"]),
    ("甘肃", &["省"]),
    ("青海", &["省"]),
    ("台湾", &["省"]),
    // Autonomous regions, written with or without the ethnic part of the full name.
    ("内蒙古", &["自治区"]),
    ("广西", &["壮族自治区", "自治区"]),
    ("西藏", &["自治区"]),
    ("宁夏", &["回族自治区", "自治区"]),
    ("新疆", &["维吾尔自治区", "自治区"]),
    // Special administrative regions.
    ("香港", &["特别行政区"]),
    ("澳门", &["特别行政区"]),
    // Major prefecture-level cities.
    ("深圳", &["市"]),
    ("广州", &["市"]),
    ("杭州", &["市"]),
    ("南京", &["市"]),
    ("苏州", &["市"]),
    ("成都", &["市"]),
    ("武汉", &["市"]),
    ("西安", &["市"]),
    ("厦门", &["市"]),
    ("青岛", &["市"]),
    ("宁波", &["市"]),
    ("大连", &["市"]),
    ("沈阳", &["市"]),
    ("长沙", &["市"]),
    ("郑州", &["市"]),
    ("济南", &["市"]),
    ("合肥", &["市"]),
    ("福州", &["市"]),
    ("昆明", &["市"]),
    ("无锡", &["市"]),
    ("东莞", &["市"]),
    ("佛山", &["市"]),
    ("珠海", &["市"]),
    ("哈尔滨", &["市"]),
    ("长春", &["市"]),
    ("石家庄", &["市"]),
    ("太原", &["市"]),
    ("南昌", &["市"]),
    ("南宁", &["市"]),
    ("贵阳", &["市"]),
    ("兰州", &["市"]),
    ("海口", &["市"]),
    ("乌鲁木齐", &["市"]),
    ("呼和浩特", &["市"]),
    ("银川", &["市"]),
    ("西宁", &["市"]),
    ("拉萨", &["市"]),
    ("温州", &["市"]),
    ("常州", &["市"]),
    ("烟台", &["市"]),
    ("泉州", &["市"]),
    ("徐州", &["市"]),
    ("南通", &["市"]),
    ("绍兴", &["市"]),
    ("嘉兴", &["市"]),
    ("台州", &["市"]),
    ("金华", &["市"]),
    ("惠州", &["市"]),
    ("扬州", &["市"]),
    ("潍坊", &["市"]),
    ("洛阳", &["市"]),
    ("唐山", &["市"]),
    ("三亚", &["市"]),
];

/// Removes the longest region name at the start of `s` and returns the rest (possibly
/// empty), or `None` if `s` does not start with a region.
///
/// "北京市星辰" gives "星辰" rather than "市星辰". The one exception is 市场 ("market"):
/// "北京市场营销" gives "市场营销", because reading it as 北京市 + 场营销 is almost never
/// what the name means.
pub fn strip_region_prefix(s: &str) -> Option<&str> {
    REGIONS
        .iter()
        .filter_map(|(base, suffixes)| {
            let rest = s.strip_prefix(base)?;
            if rest.starts_with("市场") {
                return Some(rest);
            }
            let with_suffix = suffixes
                .iter()
                .filter_map(|suffix| rest.strip_prefix(suffix))
                .min_by_key(|after| after.len());
            Some(with_suffix.unwrap_or(rest))
        })
        .min_by_key(|rest| rest.len())
}

/// Whether `s` is exactly a region name, with or without its administrative suffix.
pub fn is_region(s: &str) -> bool {
    REGIONS.iter().any(|(base, suffixes)| {
        s.strip_prefix(base)
            .is_some_and(|rest| rest.is_empty() || suffixes.contains(&rest))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provincial_level_divisions_are_all_listed() {
        let provincial = REGIONS
            .iter()
            .take_while(|(base, _)| *base != "深圳")
            .count();
        assert_eq!(provincial, 34);
    }

    #[test]
    fn longest_prefix_wins() {
        assert_eq!(strip_region_prefix("北京市星辰科技"), Some("星辰科技"));
        assert_eq!(strip_region_prefix("北京星辰科技"), Some("星辰科技"));
        assert_eq!(strip_region_prefix("广东省星辰"), Some("星辰"));
        assert_eq!(strip_region_prefix("广西壮族自治区星辰"), Some("星辰"));
        assert_eq!(strip_region_prefix("广西自治区星辰"), Some("星辰"));
        assert_eq!(strip_region_prefix("香港特别行政区星辰"), Some("星辰"));
        assert_eq!(strip_region_prefix("乌鲁木齐市星辰"), Some("星辰"));
        assert_eq!(strip_region_prefix("深圳"), Some(""));
    }

    #[test]
    fn market_is_not_read_as_city_suffix() {
        assert_eq!(strip_region_prefix("北京市场营销"), Some("市场营销"));
        assert_eq!(strip_region_prefix("北京市市场营销"), Some("市场营销"));
    }

    #[test]
    fn names_without_region_are_left_alone() {
        assert_eq!(strip_region_prefix("星辰科技"), None);
        assert_eq!(strip_region_prefix("acme"), None);
        assert_eq!(strip_region_prefix(""), None);
    }

    #[test]
    fn recognises_whole_region_names_only() {
        for name in [
            "北京",
            "北京市",
            "广东",
            "广东省",
            "宁夏回族自治区",
            "深圳市",
            "澳门",
        ] {
            assert!(is_region(name), "{name}");
        }
        for name in ["", "北", "北京星辰", "深圳省", "星辰", "市"] {
            assert!(!is_region(name), "{name}");
        }
    }
}
