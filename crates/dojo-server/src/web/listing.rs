//! List pages: the query string kept as ordered pairs (so that a link can change
//! one parameter and keep the filters), page numbers, page sizes and sortable
//! column headers. Every list is read one page at a time: no page loads an
//! unbounded list.

use crate::api::list::QueryParams;

/// Rows per page unless the query says otherwise.
pub const DEFAULT_PAGE_SIZE: i64 = 25;
/// The page sizes offered; a larger `page_size` is cut to the last.
pub const PAGE_SIZES: [i64; 4] = [25, 50, 100, 250];

/// A list page's path and query.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    path: String,
    pairs: Vec<(String, String)>,
}

impl ListQuery {
    pub fn parse(path: &str, raw: Option<&str>) -> Self {
        let pairs = url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        ListQuery {
            path: path.to_owned(),
            pairs,
        }
    }

    /// A posted form's fields (or any pairs) read like a query.
    pub fn from_pairs(path: &str, pairs: Vec<(String, String)>) -> Self {
        ListQuery {
            path: path.to_owned(),
            pairs,
        }
    }

    /// Whether a checkbox `name` was ticked.
    pub fn checked(&self, name: &str) -> bool {
        matches!(self.get(name), Some("on" | "true" | "1" | "yes"))
    }

    /// The ids in every value of `name` (ignoring what is not a number).
    pub fn ids(&self, name: &str) -> Vec<i64> {
        self.values(name)
            .iter()
            .flat_map(|v| v.split(','))
            .filter_map(|v| v.trim().parse().ok())
            .collect()
    }

    /// The first non-empty value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    }

    /// The value of `name` for a form field ("" when absent).
    pub fn value(&self, name: &str) -> &str {
        self.get(name).unwrap_or_default()
    }

    /// Whether a checkbox or select option `name` = `value` is chosen.
    pub fn has(&self, name: &str, value: &str) -> bool {
        self.pairs.iter().any(|(k, v)| k == name && v == value)
    }

    /// Every non-empty value of `name`.
    pub fn values(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
            .collect()
    }

    /// The non-empty pairs as the API's query parameters, so that list pages
    /// filter with the API's own filter code.
    pub fn api_params(&self, skip: &[&str]) -> QueryParams {
        let kept: Vec<(&str, &str)> = self
            .pairs
            .iter()
            .filter(|(k, v)| !v.trim().is_empty() && !skip.contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), v.trim()))
            .collect();
        let raw = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(kept)
            .finish();
        QueryParams::parse(Some(&raw))
    }

    fn url_of(&self, pairs: &[(String, String)]) -> String {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter().filter(|(_, v)| !v.is_empty()))
            .finish();
        if query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{query}", self.path)
        }
    }

    /// This page's URL with `name` set to `value` (or removed for ""), back on
    /// the first page unless `name` is the page itself.
    pub fn with(&self, name: &str, value: &str) -> String {
        let mut pairs: Vec<(String, String)> = self
            .pairs
            .iter()
            .filter(|(k, _)| k != name && (name == "page" || k != "page"))
            .cloned()
            .collect();
        pairs.push((name.to_owned(), value.to_owned()));
        self.url_of(&pairs)
    }

    /// This page's URL as it is (for the `next` of forms posted from it).
    pub fn here(&self) -> String {
        self.url_of(&self.pairs)
    }

    /// The ordering asked for with `o` (a key, `-` in front for descending).
    pub fn ordering(&self) -> Option<&str> {
        self.get("o")
    }

    /// The link of a sortable column header: ascending first, then descending.
    pub fn sort_url(&self, key: &str) -> String {
        let next = if self.ordering() == Some(key) {
            format!("-{key}")
        } else {
            key.to_owned()
        };
        self.with("o", &next)
    }

    /// `aria-sort` of a column header.
    pub fn aria_sort(&self, key: &str) -> &'static str {
        match self.ordering() {
            Some(o) if o == key => "ascending",
            Some(o) if o.strip_prefix('-') == Some(key) => "descending",
            _ => "none",
        }
    }

    /// The page asked for, its size, and the matching offset.
    pub fn paging(&self) -> Paging {
        let size = self
            .get("page_size")
            .and_then(|s| s.parse::<i64>().ok())
            .map_or(DEFAULT_PAGE_SIZE, |s| {
                s.clamp(1, PAGE_SIZES[PAGE_SIZES.len() - 1])
            });
        let page = self
            .get("page")
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(1)
            .clamp(1, 1_000_000);
        Paging { page, size }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// 1-based.
    pub page: i64,
    pub size: i64,
}

impl Paging {
    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.size
    }

    /// `LIMIT … OFFSET …` for this page.
    pub fn sql(&self) -> String {
        format!(" LIMIT {} OFFSET {}", self.size, self.offset())
    }
}

/// What a list shows under its table: where this page is in the whole, and
/// links to the pages around it.
#[derive(Debug, Clone)]
pub struct Pager {
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    /// 1-based positions of the first and last rows shown (0 and 0 when none).
    pub first: i64,
    pub last: i64,
    pub previous: Option<String>,
    pub next: Option<String>,
    /// (size, link, current) for the page-size chooser.
    pub sizes: Vec<(i64, String, bool)>,
}

impl Pager {
    pub fn new(query: &ListQuery, paging: Paging, total: i64, shown: usize) -> Pager {
        let pages = ((total + paging.size - 1) / paging.size).max(1);
        let shown = i64::try_from(shown).unwrap_or(i64::MAX);
        let first = if shown == 0 { 0 } else { paging.offset() + 1 };
        let last = if shown == 0 {
            0
        } else {
            paging.offset() + shown
        };
        let link = |page: i64| query.with("page", &page.to_string());
        Pager {
            total,
            page: paging.page,
            pages,
            first,
            last,
            previous: (paging.page > 1).then(|| link((paging.page - 1).min(pages))),
            next: (paging.page < pages).then(|| link(paging.page + 1)),
            sizes: PAGE_SIZES
                .iter()
                .map(|&size| {
                    (
                        size,
                        query.with("page_size", &size.to_string()),
                        size == paging.size,
                    )
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_change_one_parameter_keep_filters_and_go_back_to_page_one() {
        let q = ListQuery::parse("/finding", Some("severity=High&page=3&o=title&x="));
        assert_eq!(q.with("severity", "Low"), "/finding?o=title&severity=Low");
        assert_eq!(q.with("page", "4"), "/finding?severity=High&o=title&page=4");
        assert_eq!(q.sort_url("title"), "/finding?severity=High&o=-title");
        assert_eq!(q.sort_url("date"), "/finding?severity=High&o=date");
        assert_eq!(q.aria_sort("title"), "ascending");
        assert_eq!(q.aria_sort("date"), "none");
        assert_eq!(q.get("x"), None);
    }

    #[test]
    fn pages_are_bounded_and_counted() {
        let q = ListQuery::parse("/p", Some("page=2&page_size=100000"));
        let paging = q.paging();
        assert_eq!(paging, Paging { page: 2, size: 250 });
        assert_eq!(paging.sql(), " LIMIT 250 OFFSET 250");
        let pager = Pager::new(&q, paging, 600, 250);
        assert_eq!((pager.first, pager.last, pager.pages), (251, 500, 3));
        assert_eq!(
            pager.previous.as_deref(),
            Some("/p?page_size=100000&page=1")
        );
        assert!(pager.next.is_some());
        let empty = Pager::new(
            &ListQuery::parse("/p", None),
            Paging { page: 1, size: 25 },
            0,
            0,
        );
        assert_eq!((empty.first, empty.last, empty.pages), (0, 0, 1));
        assert!(empty.previous.is_none() && empty.next.is_none());
        assert_eq!(ListQuery::parse("/p", Some("page=-4")).paging().page, 1);
    }
}
