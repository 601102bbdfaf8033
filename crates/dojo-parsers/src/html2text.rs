//! Markdown from HTML the way Python's `html2text` package writes it with
//! its default settings (inline links, `**`/`_` emphasis, 78-column
//! wrapping). DefectDojo stores that text for Qualys, Nexpose and Arachni
//! findings, so matching descriptions means matching its quirks: whitespace
//! collapsing per text run, Markdown escaping at the start of each run, list
//! and paragraph spacing, and `textwrap`'s line breaking.
//!
//! Only what those reports use is covered closely; other markup degrades to
//! its text.

/// Converts an HTML fragment (or plain text) to html2text's Markdown.
pub(crate) fn html2text(html: &str) -> String {
    let mut c = Converter {
        start: true,
        ..Converter::default()
    };
    for tok in tokenize(html) {
        match tok {
            Tok::Start(name, attrs) => c.tag(&name, &attrs, true),
            Tok::End(name) => c.tag(&name, &[], false),
            Tok::StartEnd(name, attrs) => {
                c.tag(&name, &attrs, true);
                c.tag(&name, &[], false);
            }
            Tok::Text(t) => c.data(&t, false),
            Tok::Entity(t) => {
                if !t.is_empty() {
                    c.data(&t, true);
                }
            }
        }
    }
    c.pbr();
    c.o("", false, Force::End);
    let text = c.out.replace(NBSP_MARK, " ");
    optwrap(&text)
}

/// Stands in for `&nbsp;` until wrapping is done, so that it never counts
/// as a break opportunity (html2text does the same).
const NBSP_MARK: &str = "&nbsp_place_holder;";
const WIDTH: usize = 78;

// ---------------------------------------------------------------- tokenizer

enum Tok {
    Start(String, Vec<(String, String)>),
    End(String),
    StartEnd(String, Vec<(String, String)>),
    Text(String),
    /// An entity or character reference, already decoded.
    Entity(String),
}

/// Splits markup like Python's `HTMLParser` with `convert_charrefs=False`:
/// text runs end at every `<` and `&`, so each entity is its own run.
fn tokenize(html: &str) -> Vec<Tok> {
    let chars: Vec<char> = html.chars().collect();
    let at = |i: usize| chars.get(i).copied();
    let slice = |a: usize, b: usize| -> String {
        chars
            .get(a..b.min(chars.len()))
            .map(|s| s.iter().collect())
            .unwrap_or_default()
    };
    let mut toks = Vec::new();
    let mut i = 0;
    let n = chars.len();
    while i < n {
        let next = (i..n)
            .find(|&j| matches!(at(j), Some('<' | '&')))
            .unwrap_or(n);
        if next > i {
            toks.push(Tok::Text(slice(i, next)));
            i = next;
            continue;
        }
        if at(i) == Some('&') {
            let (tok, end) = entity(&chars, i);
            toks.push(tok);
            i = end;
            continue;
        }
        // '<'
        match at(i + 1) {
            Some(c) if c.is_ascii_alphabetic() => match start_tag(&chars, i) {
                Some((tok, end)) => {
                    let raw_text = match &tok {
                        Tok::Start(name, _) if name == "script" || name == "style" => {
                            Some(name.clone())
                        }
                        _ => None,
                    };
                    toks.push(tok);
                    i = end;
                    // Script and style bodies are raw text up to their end tag.
                    if let Some(name) = raw_text {
                        let close = format!("</{name}");
                        let mut j = i;
                        while j < n {
                            let cand = slice(j, j + close.len());
                            if cand.eq_ignore_ascii_case(&close) {
                                break;
                            }
                            j += 1;
                        }
                        if j > i {
                            toks.push(Tok::Text(slice(i, j)));
                        }
                        i = j;
                    }
                }
                None => {
                    // An unterminated tag: the rest is text. (Retrying at
                    // every later '<' would make hostile input quadratic.)
                    toks.push(Tok::Text(slice(i, n)));
                    break;
                }
            },
            Some('/') => {
                let Some(gt) = (i + 2..n).find(|&j| at(j) == Some('>')) else {
                    toks.push(Tok::Text(slice(i, n)));
                    break;
                };
                let inner = slice(i + 2, gt);
                let name: String = inner
                    .trim_start()
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != '/')
                    .collect::<String>()
                    .to_ascii_lowercase();
                if name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
                    toks.push(Tok::End(name));
                }
                i = gt + 1;
            }
            Some('!') => {
                let end = if slice(i, i + 4) == "<!--" {
                    (i + 4..n)
                        .find(|&j| slice(j, j + 3) == "-->")
                        .map_or(n, |j| j + 3)
                } else {
                    (i..n).find(|&j| at(j) == Some('>')).map_or(n, |j| j + 1)
                };
                i = end;
            }
            Some('?') => {
                i = (i..n).find(|&j| at(j) == Some('>')).map_or(n, |j| j + 1);
            }
            _ => {
                toks.push(Tok::Text("<".into()));
                i += 1;
            }
        }
    }
    toks
}

/// Decodes `&name;`, `&#nn;` or `&#xhh;` at `i`; a lone `&` is text.
fn entity(chars: &[char], i: usize) -> (Tok, usize) {
    let at = |j: usize| chars.get(j).copied();
    if at(i + 1) == Some('#') {
        let hex = matches!(at(i + 2), Some('x' | 'X'));
        let start = if hex { i + 3 } else { i + 2 };
        let mut j = start;
        while at(j).is_some_and(|c| {
            if hex {
                c.is_ascii_hexdigit()
            } else {
                c.is_ascii_digit()
            }
        }) {
            j += 1;
        }
        if j > start && at(j).is_some() {
            let digits: String = chars.get(start..j).unwrap_or_default().iter().collect();
            let code = u32::from_str_radix(&digits, if hex { 16 } else { 10 }).ok();
            let end = if at(j) == Some(';') { j + 1 } else { j };
            let text = code.map(charref).unwrap_or_default();
            return (Tok::Entity(text), end);
        }
        return (Tok::Text("&#".into()), i + 2);
    }
    let mut j = i + 1;
    if at(j).is_some_and(|c| c.is_ascii_alphabetic()) {
        while at(j).is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') {
            j += 1;
        }
        if at(j).is_some() {
            let name: String = chars.get(i + 1..j).unwrap_or_default().iter().collect();
            let end = if at(j) == Some(';') { j + 1 } else { j };
            return (Tok::Entity(entity_text(&name)), end);
        }
        // A name running to the end of input stays literal text.
        let rest: String = chars.get(i..).unwrap_or_default().iter().collect();
        return (Tok::Text(rest), chars.len());
    }
    (Tok::Text("&".into()), i + 1)
}

/// html2text turns some characters into ASCII look-alikes.
fn unifiable(name: &str) -> Option<&'static str> {
    Some(match name {
        "rsquo" | "lsquo" => "'",
        "rdquo" | "ldquo" => "\"",
        "copy" => "(C)",
        "mdash" => "--",
        "nbsp" => NBSP_MARK,
        "rarr" => "->",
        "larr" => "<-",
        "middot" => "*",
        "ndash" => "-",
        "oelig" => "oe",
        "aelig" => "ae",
        "agrave" | "aacute" | "acirc" | "atilde" | "auml" | "aring" => "a",
        "egrave" | "eacute" | "ecirc" | "euml" => "e",
        "igrave" | "iacute" | "icirc" | "iuml" => "i",
        "ograve" | "oacute" | "ocirc" | "otilde" | "ouml" => "o",
        "ugrave" | "uacute" | "ucirc" | "uuml" => "u",
        "lrm" | "rlm" => "",
        _ => return None,
    })
}

fn entity_text(name: &str) -> String {
    if let Some(u) = unifiable(name) {
        return u.to_string();
    }
    let c = match name {
        "amp" | "AMP" => '&',
        "lt" | "LT" => '<',
        "gt" | "GT" => '>',
        "quot" | "QUOT" => '"',
        "apos" => '\'',
        "reg" => '\u{ae}',
        "trade" => '\u{2122}',
        "hellip" => '\u{2026}',
        "laquo" => '\u{ab}',
        "raquo" => '\u{bb}',
        "bull" => '\u{2022}',
        "euro" => '\u{20ac}',
        "pound" => '\u{a3}',
        "yen" => '\u{a5}',
        "cent" => '\u{a2}',
        "sect" => '\u{a7}',
        "deg" => '\u{b0}',
        "plusmn" => '\u{b1}',
        "times" => '\u{d7}',
        "divide" => '\u{f7}',
        "shy" => '\u{ad}',
        "iexcl" => '\u{a1}',
        "iquest" => '\u{bf}',
        "szlig" => '\u{df}',
        "ccedil" => '\u{e7}',
        "ntilde" => '\u{f1}',
        "oslash" => '\u{f8}',
        "Auml" => '\u{c4}',
        "Ouml" => '\u{d6}',
        "Uuml" => '\u{dc}',
        "Eacute" => '\u{c9}',
        "zwnj" => '\u{200c}',
        "zwj" => '\u{200d}',
        "thinsp" => '\u{2009}',
        "ensp" => '\u{2002}',
        "emsp" => '\u{2003}',
        _ => return format!("&{name};"),
    };
    c.to_string()
}

fn charref(code: u32) -> String {
    let name = match code {
        8217 => "rsquo",
        8216 => "lsquo",
        8221 => "rdquo",
        8220 => "ldquo",
        169 => "copy",
        8212 => "mdash",
        8594 => "rarr",
        8592 => "larr",
        183 => "middot",
        8211 => "ndash",
        339 => "oelig",
        230 => "aelig",
        224 => "agrave",
        225 => "aacute",
        226 => "acirc",
        227 => "atilde",
        228 => "auml",
        229 => "aring",
        232 => "egrave",
        233 => "eacute",
        234 => "ecirc",
        235 => "euml",
        236 => "igrave",
        237 => "iacute",
        238 => "icirc",
        239 => "iuml",
        242 => "ograve",
        243 => "oacute",
        244 => "ocirc",
        245 => "otilde",
        246 => "ouml",
        249 => "ugrave",
        250 => "uacute",
        251 => "ucirc",
        252 => "uuml",
        8206 => "lrm",
        8207 => "rlm",
        _ => "",
    };
    match unifiable(name) {
        Some(u) if !name.is_empty() => u.to_string(),
        _ => char::from_u32(code).map(String::from).unwrap_or_default(),
    }
}

/// Parses `<name attr=value ...>` at `i`; `None` when the tag never closes.
fn start_tag(chars: &[char], i: usize) -> Option<(Tok, usize)> {
    let at = |j: usize| chars.get(j).copied();
    let mut j = i + 1;
    while at(j).is_some_and(|c| !c.is_whitespace() && c != '/' && c != '>') {
        j += 1;
    }
    let name: String = chars
        .get(i + 1..j)?
        .iter()
        .collect::<String>()
        .to_ascii_lowercase();
    let mut attrs = Vec::new();
    loop {
        while at(j).is_some_and(|c| c.is_whitespace() || c == '/') {
            if at(j) == Some('/') && at(j + 1) == Some('>') {
                return Some((Tok::StartEnd(name, attrs), j + 2));
            }
            j += 1;
        }
        match at(j)? {
            '>' => return Some((Tok::Start(name, attrs), j + 1)),
            _ => {
                let a = j;
                while at(j).is_some_and(|c| !c.is_whitespace() && !matches!(c, '/' | '=' | '>')) {
                    j += 1;
                }
                if j == a {
                    // A stray '=': skip it like the tolerant Python parser.
                    j += 1;
                    continue;
                }
                let key: String = chars
                    .get(a..j)?
                    .iter()
                    .collect::<String>()
                    .to_ascii_lowercase();
                let mut k = j;
                while at(k).is_some_and(char::is_whitespace) {
                    k += 1;
                }
                let mut value = String::new();
                if at(k) == Some('=') {
                    k += 1;
                    while at(k).is_some_and(char::is_whitespace) {
                        k += 1;
                    }
                    match at(k) {
                        Some(q @ ('"' | '\'')) => {
                            let close = (k + 1..chars.len()).find(|&m| at(m) == Some(q))?;
                            value = chars.get(k + 1..close)?.iter().collect();
                            k = close + 1;
                        }
                        _ => {
                            let s = k;
                            while at(k).is_some_and(|c| !c.is_whitespace() && c != '>') {
                                k += 1;
                            }
                            value = chars.get(s..k)?.iter().collect();
                        }
                    }
                    j = k;
                }
                attrs.push((key, unescape_attr(&value)));
            }
        }
    }
}

/// Attribute values get Python's `html.unescape`: real characters, not
/// html2text's ASCII look-alikes, and no trimming.
fn unescape_attr(value: &str) -> String {
    if !value.contains('&') {
        return value.to_string();
    }
    let chars: Vec<char> = value.chars().collect();
    let mut out = String::with_capacity(value.len());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c != '&' {
            out.push(c);
            i += 1;
            continue;
        }
        let (tok, end) = entity(&chars, i);
        let name: String = chars.get(i + 1..end).unwrap_or_default().iter().collect();
        match tok {
            _ if name.trim_end_matches(';') == "nbsp" => out.push('\u{a0}'),
            Tok::Entity(t) if unifiable(name.trim_end_matches(';')).is_none() => out.push_str(&t),
            _ => out.extend(chars.get(i..end).unwrap_or_default()),
        }
        i = end.max(i + 1);
    }
    out
}

// ---------------------------------------------------------------- converter

#[derive(PartialEq, Eq, Clone, Copy)]
enum Force {
    No,
    Yes,
    End,
}

struct ListLevel {
    ordered: bool,
    num: i64,
}

struct Link {
    href: String,
    title: String,
}

#[derive(Default)]
struct Converter {
    out: String,
    last_was_nl: bool,
    /// Pending line breaks: 1 for a line break, 2 for a paragraph.
    p_p: usize,
    space: bool,
    start: bool,
    quiet: usize,
    blockquote: usize,
    lists: Vec<ListLevel>,
    last_was_list: bool,
    astack: Vec<Option<Link>>,
    maybe_automatic_link: Option<String>,
    empty_link: bool,
    code: bool,
    pre: bool,
    startpre: bool,
    stressed: bool,
    preceding_stressed: bool,
    preceding_data: String,
    current_tag: String,
    br_toggle: &'static str,
    table_start: bool,
    split_next_td: bool,
    td_count: usize,
    quote: bool,
}

fn is_heading(tag: &str) -> Option<usize> {
    let rest = tag.strip_prefix('h')?;
    let n: usize = rest.parse().ok()?;
    (1..=9).contains(&n).then_some(n)
}

fn escape_md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '[' | ']' | '(' | ')') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// html2text escapes only what would turn a text run into Markdown syntax
/// at the start of one of its lines (numbered and bulleted lists), plus
/// backslashes that precede a Markdown character.
fn escape_md_section(s: &str) -> String {
    const SLASH_CHARS: &str = "\\`*_{}[]()#+-.!";
    let chars: Vec<char> = s.chars().collect();
    let mut step: Vec<char> = Vec::with_capacity(chars.len());
    for (i, c) in chars.iter().enumerate() {
        step.push(*c);
        if *c == '\\' && chars.get(i + 1).is_some_and(|n| SLASH_CHARS.contains(*n)) {
            step.push('\\');
        }
    }
    let step = escape_line_starts(&step, |cs, q| {
        let mut r = q;
        while cs.get(r).is_some_and(char::is_ascii_digit) {
            r += 1;
        }
        (r > q && cs.get(r) == Some(&'.') && cs.get(r + 1).is_some_and(|c| c.is_whitespace()))
            .then_some(r)
    });
    let step = escape_line_starts(&step, |cs, q| {
        (cs.get(q) == Some(&'+') && cs.get(q + 1).is_some_and(|c| c.is_whitespace())).then_some(q)
    });
    let step = escape_line_starts(&step, |cs, q| {
        (cs.get(q) == Some(&'-')
            && cs
                .get(q + 1)
                .is_some_and(|c| c.is_whitespace() || *c == '-'))
        .then_some(q)
    });
    step.into_iter().collect()
}

/// Puts a backslash before the character `probe` finds after the leading
/// whitespace of each line (a multi-line `^\s*` match in Python).
fn escape_line_starts(
    chars: &[char],
    probe: impl Fn(&[char], usize) -> Option<usize>,
) -> Vec<char> {
    let mut marks = Vec::new();
    let mut p = 0;
    let mut consumed = 0;
    while p <= chars.len() {
        if p >= consumed {
            let mut q = p;
            while chars.get(q).is_some_and(|c| c.is_whitespace()) {
                q += 1;
            }
            if let Some(m) = probe(chars, q) {
                marks.push(m);
                consumed = m + 1;
            }
        }
        match (p..chars.len()).find(|&j| chars.get(j) == Some(&'\n')) {
            Some(nl) => p = nl + 1,
            None => break,
        }
    }
    // Marks are found in increasing order.
    let mut next = marks.iter().peekable();
    let mut out = Vec::with_capacity(chars.len() + marks.len());
    for (i, c) in chars.iter().enumerate() {
        if next.next_if(|m| **m == i).is_some() {
            out.push('\\');
        }
        out.push(*c);
    }
    out
}

impl Converter {
    fn emit(&mut self, s: &str) {
        if let Some(last) = s.chars().last() {
            self.last_was_nl = last == '\n';
        }
        self.out.push_str(s);
    }

    fn p(&mut self) {
        self.p_p = 2;
    }

    fn pbr(&mut self) {
        if self.p_p == 0 {
            self.p_p = 1;
        }
    }

    fn soft_br(&mut self) {
        self.pbr();
        self.br_toggle = "  ";
    }

    /// Writes `data`, first flushing pending breaks and spaces.
    fn o(&mut self, data: &str, puredata: bool, force: Force) {
        if self.quiet > 0 {
            return;
        }
        let mut data = if puredata && !self.pre {
            let collapsed = collapse_whitespace(data);
            match collapsed.strip_prefix(' ') {
                Some(rest) => {
                    self.space = true;
                    rest.to_string()
                }
                None => collapsed,
            }
        } else {
            data.to_string()
        };
        if data.is_empty() && force == Force::No {
            return;
        }
        if self.startpre && !data.starts_with('\n') {
            data.insert(0, '\n');
        }
        let mut bq = ">".repeat(self.blockquote);
        if !(force != Force::No && data.starts_with('>')) && self.blockquote > 0 {
            bq.push(' ');
        }
        if self.pre {
            if self.lists.is_empty() {
                bq.push_str("    ");
            }
            bq.push_str(&"    ".repeat(self.lists.len()));
            data = data.replace('\n', &format!("\n{bq}"));
        }
        if self.startpre {
            self.startpre = false;
            if !self.lists.is_empty() {
                data = data.trim_start_matches('\n').to_string();
            }
        }
        if self.start {
            self.space = false;
            self.p_p = 0;
            self.start = false;
        }
        if force == Force::End {
            self.p_p = 0;
            self.emit("\n");
            self.space = false;
        }
        if self.p_p > 0 {
            let brk = format!("{}\n{bq}", self.br_toggle).repeat(self.p_p);
            self.emit(&brk);
            self.space = false;
            self.br_toggle = "";
        }
        if self.space {
            if !self.last_was_nl {
                self.emit(" ");
            }
            self.space = false;
        }
        self.p_p = 0;
        self.emit(&data);
    }
}

/// Python's `re.sub(r"\s+", " ", s)`.
fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_ws = false;
    for c in s.chars() {
        if c.is_whitespace() {
            if !in_ws {
                out.push(' ');
            }
            in_ws = true;
        } else {
            out.push(c);
            in_ws = false;
        }
    }
    out
}

fn is_absolute_url(s: &str) -> bool {
    s.split_once("://").is_some_and(|(scheme, _)| {
        !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphabetic() || c == '+')
    })
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

impl Converter {
    fn tag(&mut self, tag: &str, attrs: &[(String, String)], start: bool) {
        const NO: Force = Force::No;
        self.current_tag = tag.to_string();
        // Output produced by a tag inside a link opens the link text.
        if start
            && self.maybe_automatic_link.is_some()
            && !matches!(tag, "p" | "div" | "style" | "dl" | "dt" | "img")
        {
            self.o("[", false, NO);
            self.maybe_automatic_link = None;
            self.empty_link = false;
        }
        if let Some(level) = is_heading(tag) {
            if !self.astack.is_empty() {
                if !start {
                    self.p_p = 0;
                    return;
                }
            } else {
                self.p();
                if start {
                    self.o(&format!("{} ", "#".repeat(level)), false, NO);
                } else {
                    return;
                }
            }
        }
        match tag {
            "p" | "div" if self.astack.is_empty() => self.p(),
            "br" if start => {
                if self.blockquote > 0 {
                    self.o("  \n> ", false, NO);
                } else {
                    self.o("  \n", false, NO);
                }
            }
            "hr" if start => {
                self.p();
                self.o("* * *", false, NO);
                self.p();
            }
            "head" | "style" | "script" => {
                if start {
                    self.quiet += 1;
                } else {
                    self.quiet = self.quiet.saturating_sub(1);
                }
            }
            "body" => self.quiet = 0,
            "blockquote" => {
                if start {
                    self.p();
                    self.o("> ", false, Force::Yes);
                    self.start = true;
                    self.blockquote += 1;
                } else {
                    self.blockquote = self.blockquote.saturating_sub(1);
                    self.p();
                }
            }
            "em" | "i" | "u" => self.emphasis("_", start),
            "strong" | "b" => self.emphasis("**", start),
            "del" | "strike" | "s" => {
                let mark = if start && self.preceding_data.ends_with(' ') {
                    self.preceding_data.push(' ');
                    " ~~"
                } else {
                    "~~"
                };
                self.o(mark, false, NO);
                if start {
                    self.stressed = true;
                }
            }
            "kbd" | "code" | "tt" if !self.pre => {
                self.o("`", false, NO);
                self.code = !self.code;
            }
            "q" => {
                self.o("\"", false, NO);
                self.quote = !self.quote;
            }
            "a" => self.anchor(attrs, start),
            "img" if start => self.image(attrs),
            "dl" if start => self.p(),
            "dt" if !start => self.pbr(),
            "dd" => {
                if start {
                    self.o("    ", false, NO);
                } else {
                    self.pbr();
                }
            }
            _ => {}
        }
        if matches!(tag, "ol" | "ul") {
            if self.lists.is_empty() && !self.last_was_list {
                self.p();
            }
            if start {
                let num = attr(attrs, "start")
                    .and_then(|s| s.trim().parse::<i64>().ok())
                    .map_or(0, |n| n - 1);
                self.lists.push(ListLevel {
                    ordered: tag == "ol",
                    num,
                });
            } else if self.lists.pop().is_some() && self.lists.is_empty() {
                self.o("\n", false, NO);
            }
            self.last_was_list = true;
        } else {
            self.last_was_list = false;
        }
        if tag == "li" {
            self.pbr();
            if start {
                let mut indents: Vec<&'static str> = Vec::new();
                let mut parent_ordered: Option<bool> = None;
                for level in &self.lists {
                    indents.push(if parent_ordered == Some(true) && !level.ordered {
                        "   "
                    } else {
                        "  "
                    });
                    parent_ordered = Some(level.ordered);
                }
                for indent in indents {
                    self.o(indent, false, NO);
                }
                let marker = match self.lists.last_mut() {
                    Some(level) if level.ordered => {
                        level.num += 1;
                        format!("{}. ", level.num)
                    }
                    _ => "* ".to_string(),
                };
                self.o(&marker, false, NO);
                self.start = true;
            }
        }
        if matches!(tag, "table" | "tr" | "td" | "th") {
            if tag == "table" && start {
                self.table_start = true;
            }
            if matches!(tag, "td" | "th") && start {
                if self.split_next_td {
                    self.o("| ", false, NO);
                }
                self.split_next_td = true;
                self.td_count += 1;
            }
            if tag == "tr" && start {
                self.td_count = 0;
            }
            if tag == "tr" && !start {
                self.split_next_td = false;
                self.soft_br();
                if self.table_start {
                    let rule = vec!["---"; self.td_count].join("|");
                    self.o(&rule, false, NO);
                    self.soft_br();
                    self.table_start = false;
                }
            }
        }
        if tag == "pre" {
            if start {
                self.startpre = true;
                self.pre = true;
            } else {
                self.pre = false;
            }
            self.p();
        }
    }

    fn emphasis(&mut self, mark: &str, start: bool) {
        let glued = self
            .preceding_data
            .chars()
            .last()
            .is_some_and(|c| !c.is_ascii_whitespace() && !c.is_ascii_punctuation());
        let text = if start && glued {
            self.preceding_data.push(' ');
            format!(" {mark}")
        } else {
            mark.to_string()
        };
        self.o(&text, false, Force::No);
        if start {
            self.stressed = true;
        }
    }

    fn anchor(&mut self, attrs: &[(String, String)], start: bool) {
        if start {
            match attr(attrs, "href") {
                Some(href) => {
                    self.astack.push(Some(Link {
                        href: href.to_string(),
                        title: attr(attrs, "title").unwrap_or_default().to_string(),
                    }));
                    self.maybe_automatic_link = Some(href.to_string());
                    self.empty_link = true;
                }
                None => self.astack.push(None),
            }
            return;
        }
        let Some(link) = self.astack.pop() else {
            return;
        };
        if self.maybe_automatic_link.is_some() && !self.empty_link {
            self.maybe_automatic_link = None;
        } else if let Some(link) = link {
            if self.empty_link {
                self.o("[", false, Force::No);
                self.empty_link = false;
                self.maybe_automatic_link = None;
            }
            self.p_p = 0;
            let title = if link.title.trim().is_empty() {
                String::new()
            } else {
                format!(" \"{}\"", escape_md(&link.title))
            };
            self.o(
                &format!("]({}{title})", escape_md(&link.href)),
                false,
                Force::No,
            );
        }
    }

    fn image(&mut self, attrs: &[(String, String)]) {
        let Some(src) = attr(attrs, "src") else {
            return;
        };
        let alt = attr(attrs, "alt").unwrap_or_default().to_string();
        if self.maybe_automatic_link.is_some() {
            self.o("[", false, Force::No);
            self.maybe_automatic_link = None;
            self.empty_link = false;
        }
        let text = format!("![{}]({})", escape_md(&alt), escape_md(src));
        self.o(&text, false, Force::No);
    }

    fn data(&mut self, text: &str, entity: bool) {
        if text.is_empty() {
            return;
        }
        let mut data = text.to_string();
        if self.stressed {
            data = data.trim().to_string();
            self.stressed = false;
            self.preceding_stressed = true;
        } else if self.preceding_stressed {
            let glue = data
                .chars()
                .next()
                .is_some_and(|c| !c.is_whitespace() && !"][(){}.!?".contains(c));
            if glue
                && is_heading(&self.current_tag).is_none()
                && !matches!(self.current_tag.as_str(), "a" | "code" | "pre")
            {
                data.insert(0, ' ');
            }
            self.preceding_stressed = false;
        }
        if let Some(href) = self.maybe_automatic_link.take() {
            if href == data && is_absolute_url(&href) {
                self.o(&format!("<{data}>"), false, Force::No);
                self.empty_link = false;
                self.maybe_automatic_link = Some(href);
                return;
            }
            self.o("[", false, Force::No);
            self.empty_link = false;
        }
        if !self.code && !self.pre && !entity {
            data = escape_md_section(&data);
        }
        self.preceding_data = data.clone();
        self.o(&data, true, Force::No);
    }
}

// ---------------------------------------------------------------- wrapping

/// Lines html2text leaves unwrapped: code, lists, tables.
fn skip_wrap(para: &str) -> bool {
    if para.starts_with("    ") || para.starts_with('\t') {
        return true;
    }
    let stripped = para.trim_start();
    if let Some(rest) = stripped.strip_prefix("--") {
        if !rest.is_empty() && !rest.starts_with('-') {
            return false;
        }
    }
    if (stripped.starts_with('-') || stripped.starts_with('*')) && !stripped.starts_with("**") {
        return true;
    }
    if para.contains(" | ") {
        return true;
    }
    let digits = stripped.chars().take_while(char::is_ascii_digit).count();
    let after_digits = stripped.get(digits..).unwrap_or_default();
    let ordered = digits > 0
        && after_digits.starts_with('.')
        && after_digits.chars().nth(1).is_some_and(char::is_whitespace);
    let unordered = stripped.starts_with(['-', '*', '+'])
        && stripped.chars().nth(1).is_some_and(char::is_whitespace);
    ordered || unordered
}

/// html2text's `optwrap`: wraps each line to 78 columns and normalises the
/// blank lines between paragraphs.
fn optwrap(text: &str) -> String {
    let mut result = String::with_capacity(text.len() + text.len() / 40);
    let mut newlines = 0;
    let mut in_code = false;
    for para in text.split('\n') {
        if para.trim_start().starts_with("```") {
            in_code = !in_code;
        }
        if in_code {
            result.push_str(para);
            result.push('\n');
            newlines = 1;
        } else if !para.is_empty() {
            if !skip_wrap(para) {
                let indent = if para.starts_with("  * ") {
                    "    "
                } else if para.starts_with("> ") {
                    "> "
                } else {
                    ""
                };
                result.push_str(&wrap(para, WIDTH, indent).join("\n"));
                if para.ends_with("  ") {
                    result.push_str("  \n");
                    newlines = 1;
                } else if !indent.is_empty() {
                    result.push('\n');
                    newlines = 1;
                } else {
                    result.push_str("\n\n");
                    newlines = 2;
                }
            } else {
                // html2text's check for a whitespace-then-'+' line.
                let mut cs = para.chars();
                let odd = cs.next().is_some_and(char::is_whitespace) && cs.next() == Some('+');
                if !odd {
                    result.push_str(para);
                    result.push('\n');
                    newlines = 1;
                }
            }
        } else if newlines < 2 {
            result.push('\n');
            newlines += 1;
        }
    }
    result
}

fn is_letter(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_word_punct(c: char) -> bool {
    is_word(c) || "!\"'&.,?".contains(c)
}

/// Splits a word the way `textwrap` does: after hyphens inside words and
/// around em-dashes.
fn word_chunks(word: &[char]) -> Vec<String> {
    let at = |i: usize| word.get(i).copied();
    let letter_at = |i: Option<usize>| i.and_then(at).is_some_and(is_letter);
    let mut out = Vec::new();
    let mut s = 0;
    let n = word.len();
    while s < n {
        // An em-dash run between words is a chunk of its own.
        if s > 0
            && at(s) == Some('-')
            && at(s + 1) == Some('-')
            && at(s - 1).is_some_and(is_word_punct)
        {
            let mut e = s;
            while at(e) == Some('-') {
                e += 1;
            }
            if at(e).is_some_and(is_word) {
                out.push(word.get(s..e).unwrap_or_default().iter().collect());
                s = e;
                continue;
            }
        }
        let mut end = n;
        for k in s..n {
            let h = k + 1;
            if at(h) == Some('-') {
                let behind = (letter_at(h.checked_sub(2)) && letter_at(h.checked_sub(1)))
                    || (letter_at(h.checked_sub(3))
                        && h.checked_sub(2).and_then(at) == Some('-')
                        && letter_at(h.checked_sub(1)));
                let ahead = letter_at(Some(h + 1))
                    && (letter_at(Some(h + 2))
                        || (at(h + 2) == Some('-') && letter_at(Some(h + 3))));
                if behind && ahead {
                    end = h + 1;
                    break;
                }
            }
            if h == n {
                break;
            }
            if at(k).is_some_and(is_word_punct) && at(h) == Some('-') && at(h + 1) == Some('-') {
                let mut e = h;
                while at(e) == Some('-') {
                    e += 1;
                }
                if at(e).is_some_and(is_word) {
                    end = h;
                    break;
                }
            }
        }
        out.push(word.get(s..end).unwrap_or_default().iter().collect());
        s = end;
    }
    out
}

/// Python's `textwrap.wrap(text, width, break_long_words=False,
/// subsequent_indent=indent)`.
fn wrap(text: &str, width: usize, indent: &str) -> Vec<String> {
    // Tabs expand to 8-column stops; other ASCII whitespace becomes spaces.
    let mut munged: Vec<char> = Vec::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' => {
                let pad = 8 - munged.len() % 8;
                munged.extend(std::iter::repeat_n(' ', pad));
            }
            '\n' | '\x0b' | '\x0c' | '\r' => munged.push(' '),
            c => munged.push(c),
        }
    }
    let is_ws = |c: &char| *c == ' ';
    let mut chunks: Vec<String> = Vec::new();
    let mut i = 0;
    while i < munged.len() {
        let ws = munged.get(i).is_some_and(is_ws);
        let mut j = i;
        while munged.get(j).is_some_and(|c| is_ws(c) == ws) {
            j += 1;
        }
        let run = munged.get(i..j).unwrap_or_default();
        if ws {
            chunks.push(run.iter().collect());
        } else {
            chunks.extend(word_chunks(run));
        }
        i = j;
    }
    chunks.reverse();
    let mut lines: Vec<String> = Vec::new();
    let indent_len = indent.chars().count();
    while !chunks.is_empty() {
        let (prefix, room) = if lines.is_empty() {
            ("", width)
        } else {
            (indent, width.saturating_sub(indent_len))
        };
        if !lines.is_empty() && chunks.last().is_some_and(|c| c.trim().is_empty()) {
            chunks.pop();
        }
        let mut line: Vec<String> = Vec::new();
        let mut len = 0;
        while let Some(chunk) = chunks.last() {
            let l = chunk.chars().count();
            if len + l <= room {
                len += l;
                line.extend(chunks.pop());
            } else {
                break;
            }
        }
        if line.is_empty() && chunks.last().is_some_and(|c| c.chars().count() > room) {
            line.extend(chunks.pop());
        }
        if line.last().is_some_and(|c| c.trim().is_empty()) {
            line.pop();
        }
        if !line.is_empty() {
            lines.push(format!("{prefix}{}", line.concat()));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_wraps_at_78() {
        let t = "Client-side scripts are used extensively by modern web applications.\nThey perform from simple functions (such as the formatting of text) up to full\nmanipulation.";
        assert_eq!(
            html2text(t),
            "Client-side scripts are used extensively by modern web applications. They\nperform from simple functions (such as the formatting of text) up to full\nmanipulation.\n\n"
        );
    }

    #[test]
    fn numbered_lines_are_escaped_and_entities_split_runs() {
        let t = "converting `<` to `&lt;`.\n\n1. Directly in a script.\n2. Inside";
        assert_eq!(
            html2text(t),
            "converting `<` to `<`. 1\\. Directly in a script. 2\\. Inside\n\n"
        );
    }

    #[test]
    fn list_items_and_breaks() {
        assert_eq!(
            html2text("* <li>a</li>\n\n* <li>b</li>"),
            "* \n* a\n* \n* b\n\n"
        );
        assert_eq!(html2text("a<br>b"), "a  \nb\n\n");
        assert_eq!(html2text(""), "\n\n");
        assert_eq!(
            html2text("<ul><li>x</li><li>y</li></ul>"),
            "  * x\n  * y\n\n"
        );
    }

    #[test]
    fn links_and_emphasis() {
        assert_eq!(
            html2text(
                "see <a href=\"http://x.org/a\">here</a> and <a href=\"http://y\">http://y</a>"
            ),
            "see [here](http://x.org/a) and <http://y>\n\n"
        );
        assert_eq!(html2text("<b>NOTE:</b> it"), "**NOTE:** it\n\n");
        assert_eq!(
            html2text("<a href=\"x?a=1&amp;b=2\">t</a>"),
            "[t](x?a=1&b=2)\n\n"
        );
    }

    #[test]
    fn hyphenated_words_break() {
        let w: Vec<char> = "well-known-thing".chars().collect();
        assert_eq!(word_chunks(&w), vec!["well-", "known-", "thing"]);
        let w: Vec<char> = "x86_64-linux".chars().collect();
        assert_eq!(word_chunks(&w), vec!["x86_64-linux"]);
    }

    #[test]
    fn garbage_does_not_panic() {
        for s in [
            "<",
            "&",
            "&#",
            "&#x;",
            "<a href=",
            "</",
            "<!--",
            "<b><i>",
            "&amp",
            "<?x",
            "<script>x",
        ] {
            let _ = html2text(s);
        }
    }
}
