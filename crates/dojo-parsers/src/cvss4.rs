//! CVSS v4.0 score of a vector string, following the FIRST CVSS v4.0
//! specification (section 8, "CVSS v4.0 Scoring"):
//!
//! 1. The vector's metrics (with Threat and Environmental defaults filled in)
//!    fall into six equivalence sets, EQ1–EQ6; their levels form the
//!    *macrovector*, whose score the specification publishes in a table.
//! 2. Within a macrovector the score is lowered by interpolation: for each
//!    equivalence set, the vector's *severity distance* from the highest
//!    severity vector of its level, as a share of that level's depth, times
//!    the score gap to the next lower macrovector. The mean of these
//!    reductions is subtracted and the result rounded to one decimal.
//!
//! Where the specification leaves details to its reference calculator, this
//! follows the `cvss` Python package that DefectDojo uses, so scores agree
//! with DefectDojo's: a next lower macrovector only counts when its score is
//! not above the current one, and rounding is half up.

/// Values of one metric as parsed from the vector; `X` (not defined) is kept
/// as written and resolved by [`Vector::get`].
#[derive(Debug, Default)]
struct Vector<'a> {
    metrics: Vec<(&'a str, &'a str)>,
}

/// Every metric CVSS v4.0 defines, with its allowed values.
const METRICS: &[(&str, &[&str])] = &[
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("AT", &["N", "P"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "P", "A"]),
    ("VC", &["H", "L", "N"]),
    ("VI", &["H", "L", "N"]),
    ("VA", &["H", "L", "N"]),
    ("SC", &["H", "L", "N"]),
    ("SI", &["H", "L", "N"]),
    ("SA", &["H", "L", "N"]),
    ("E", &["X", "A", "P", "U"]),
    ("CR", &["X", "H", "M", "L"]),
    ("IR", &["X", "H", "M", "L"]),
    ("AR", &["X", "H", "M", "L"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MAT", &["X", "N", "P"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "P", "A"]),
    ("MVC", &["X", "H", "L", "N"]),
    ("MVI", &["X", "H", "L", "N"]),
    ("MVA", &["X", "H", "L", "N"]),
    ("MSC", &["X", "H", "L", "N"]),
    ("MSI", &["X", "S", "H", "L", "N"]),
    ("MSA", &["X", "S", "H", "L", "N"]),
    ("S", &["X", "N", "P"]),
    ("AU", &["X", "N", "Y"]),
    ("R", &["X", "A", "U", "I"]),
    ("V", &["X", "D", "C"]),
    ("RE", &["X", "L", "M", "H"]),
    ("U", &["X", "Clear", "Green", "Amber", "Red"]),
];

/// The Base metrics a vector must give.
const MANDATORY: &[&str] = &[
    "AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA",
];

impl<'a> Vector<'a> {
    /// Parses `CVSS:4.0/...`; `None` for a malformed vector (unknown or
    /// repeated metric, invalid value, missing Base metric, empty field).
    fn parse(vector: &'a str) -> Option<Self> {
        let body = vector.strip_prefix("CVSS:4.0/")?;
        let mut metrics: Vec<(&str, &str)> = Vec::new();
        for field in body.split('/') {
            let (name, value) = field.split_once(':')?;
            let (_, allowed) = METRICS.iter().find(|(m, _)| *m == name)?;
            if !allowed.contains(&value) || metrics.iter().any(|(m, _)| *m == name) {
                return None;
            }
            metrics.push((name, value));
        }
        MANDATORY
            .iter()
            .all(|m| metrics.iter().any(|(n, _)| n == m))
            .then_some(Vector { metrics })
    }

    fn raw(&self, name: &str) -> Option<&'a str> {
        self.metrics
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }

    /// The value scoring uses: a defined Environmental modification wins
    /// over the Base value; undefined Threat and Security Requirement
    /// metrics take their worst case (E:A, CR/IR/AR:H).
    fn get(&self, name: &str) -> &'a str {
        let defined = |v: Option<&'a str>| v.filter(|v| *v != "X");
        match name {
            "E" => defined(self.raw("E")).unwrap_or("A"),
            "CR" | "IR" | "AR" => defined(self.raw(name)).unwrap_or("H"),
            _ => {
                let modified = match name {
                    "AV" => "MAV",
                    "AC" => "MAC",
                    "AT" => "MAT",
                    "PR" => "MPR",
                    "UI" => "MUI",
                    "VC" => "MVC",
                    "VI" => "MVI",
                    "VA" => "MVA",
                    "SC" => "MSC",
                    "SI" => "MSI",
                    "SA" => "MSA",
                    _ => "",
                };
                defined(self.raw(modified))
                    .or_else(|| self.raw(name))
                    .unwrap_or("")
            }
        }
    }
}

/// Levels of the six equivalence sets (specification tables 24–29).
#[derive(Debug, Clone, Copy, PartialEq)]
struct MacroVector {
    eq: [usize; 6],
}

impl MacroVector {
    fn of(v: &Vector<'_>) -> Self {
        let m = |name| v.get(name);
        let (av, pr, ui) = (m("AV"), m("PR"), m("UI"));
        let eq1 = if av == "N" && pr == "N" && ui == "N" {
            0
        } else if (av == "N" || pr == "N" || ui == "N") && av != "P" {
            1
        } else {
            2
        };
        let eq2 = usize::from(!(m("AC") == "L" && m("AT") == "N"));
        let (vc, vi, va) = (m("VC"), m("VI"), m("VA"));
        let eq3 = if vc == "H" && vi == "H" {
            0
        } else if vc == "H" || vi == "H" || va == "H" {
            1
        } else {
            2
        };
        // SI and SA already resolve to MSI and MSA when those are defined,
        // and only those can be S (Safety).
        let (sc, si, sa) = (m("SC"), m("SI"), m("SA"));
        let eq4 = if si == "S" || sa == "S" {
            0
        } else if sc == "H" || si == "H" || sa == "H" {
            1
        } else {
            2
        };
        let eq5 = match m("E") {
            "A" => 0,
            "P" => 1,
            _ => 2,
        };
        let eq6 = usize::from(
            !((m("CR") == "H" && vc == "H")
                || (m("IR") == "H" && vi == "H")
                || (m("AR") == "H" && va == "H")),
        );
        MacroVector {
            eq: [eq1, eq2, eq3, eq4, eq5, eq6],
        }
    }

    /// The published score of this macrovector, if it exists.
    fn score(self) -> Option<f64> {
        const LEVELS: [usize; 6] = [3, 2, 3, 3, 3, 2];
        if self.eq.iter().zip(LEVELS).any(|(l, n)| *l >= n) {
            return None;
        }
        let [e1, e2, e3, e4, e5, e6] = self.eq;
        let row = SCORES.get(e1 * 6 + e2 * 3 + e3)?;
        row.get(e4 * 6 + e5 * 2 + e6).copied().filter(|s| *s >= 0.0)
    }

    /// This macrovector with level `eq[i]` one step lower.
    fn lower(self, i: usize) -> Self {
        let mut next = self;
        if let Some(l) = next.eq.get_mut(i) {
            *l += 1;
        }
        next
    }
}

/// Missing macrovector (an EQ3/EQ6 combination that cannot occur).
const N: f64 = -1.0;

/// Macrovector scores from the specification's lookup table. Row
/// `EQ1 * 6 + EQ2 * 3 + EQ3`; column `EQ4 * 6 + EQ5 * 2 + EQ6`.
#[rustfmt::skip]
const SCORES: [[f64; 18]; 18] = [
    // EQ1 0, EQ2 0, EQ3 0
    [10.0, 9.9, 9.8, 9.5, 9.5, 9.2, 10.0, 9.6, 9.3, 8.7, 9.1, 8.1, 9.3, 9.0, 8.9, 8.0, 8.1, 6.8],
    // EQ1 0, EQ2 0, EQ3 1
    [9.8, 9.5, 9.5, 9.2, 9.0, 8.4, 9.3, 9.2, 8.9, 8.1, 8.1, 6.5, 8.8, 8.0, 7.8, 7.0, 6.9, 4.8],
    // EQ1 0, EQ2 0, EQ3 2
    [N, 9.2, N, 8.2, N, 7.2, N, 7.9, N, 6.9, N, 5.0, N, 6.9, N, 5.5, N, 2.7],
    // EQ1 0, EQ2 1, EQ3 0
    [9.9, 9.7, 9.5, 9.2, 9.2, 8.5, 9.5, 9.1, 9.0, 8.3, 8.4, 7.1, 9.2, 8.1, 8.2, 7.1, 7.2, 5.3],
    // EQ1 0, EQ2 1, EQ3 1
    [9.5, 9.3, 9.2, 8.5, 8.5, 7.3, 9.2, 8.2, 8.0, 7.2, 7.0, 5.9, 8.4, 7.0, 7.1, 5.2, 5.0, 3.0],
    // EQ1 0, EQ2 1, EQ3 2
    [N, 8.6, N, 7.5, N, 5.2, N, 7.1, N, 5.2, N, 2.9, N, 6.3, N, 2.9, N, 1.7],
    // EQ1 1, EQ2 0, EQ3 0
    [9.8, 9.5, 9.4, 8.7, 9.1, 8.1, 9.4, 8.9, 8.6, 7.4, 7.7, 6.4, 8.7, 7.5, 7.4, 6.3, 6.3, 4.9],
    // EQ1 1, EQ2 0, EQ3 1
    [9.4, 8.9, 8.8, 7.7, 7.6, 6.7, 8.6, 7.6, 7.4, 5.8, 5.9, 5.0, 7.2, 5.7, 5.7, 5.2, 5.2, 2.5],
    // EQ1 1, EQ2 0, EQ3 2
    [N, 8.3, N, 7.0, N, 5.4, N, 6.5, N, 5.8, N, 2.6, N, 5.3, N, 2.1, N, 1.3],
    // EQ1 1, EQ2 1, EQ3 0
    [9.5, 9.0, 8.8, 7.6, 7.6, 7.0, 9.0, 7.7, 7.5, 6.2, 6.1, 5.3, 7.7, 6.6, 6.8, 5.9, 5.2, 3.0],
    // EQ1 1, EQ2 1, EQ3 1
    [8.9, 7.8, 7.6, 6.7, 6.2, 5.8, 7.4, 5.9, 5.7, 5.7, 4.7, 2.3, 6.1, 5.2, 5.7, 2.9, 2.4, 1.6],
    // EQ1 1, EQ2 1, EQ3 2
    [N, 7.1, N, 5.9, N, 3.0, N, 5.8, N, 2.6, N, 1.5, N, 2.3, N, 1.3, N, 0.6],
    // EQ1 2, EQ2 0, EQ3 0
    [9.3, 8.7, 8.6, 7.2, 7.5, 5.8, 8.6, 7.4, 7.4, 6.1, 5.6, 3.4, 7.0, 5.4, 5.2, 4.0, 4.0, 2.2],
    // EQ1 2, EQ2 0, EQ3 1
    [8.5, 7.5, 7.4, 5.5, 6.2, 5.1, 7.2, 5.7, 5.5, 4.1, 4.6, 1.9, 5.3, 3.6, 3.4, 1.9, 1.9, 0.8],
    // EQ1 2, EQ2 0, EQ3 2
    [N, 6.4, N, 5.1, N, 2.0, N, 4.7, N, 2.1, N, 1.1, N, 2.4, N, 0.9, N, 0.4],
    // EQ1 2, EQ2 1, EQ3 0
    [8.8, 7.5, 7.3, 5.3, 6.0, 5.0, 7.3, 5.5, 5.9, 4.0, 4.1, 2.0, 5.4, 4.3, 4.5, 2.2, 2.0, 1.1],
    // EQ1 2, EQ2 1, EQ3 1
    [7.5, 5.5, 5.8, 4.5, 4.0, 2.1, 6.1, 5.1, 4.8, 1.8, 2.0, 0.9, 4.6, 1.8, 1.7, 0.7, 0.8, 0.2],
    // EQ1 2, EQ2 1, EQ3 2
    [N, 5.3, N, 2.4, N, 1.4, N, 2.4, N, 1.2, N, 0.5, N, 1.0, N, 0.3, N, 0.1],];

/// Severity level of a metric value in tenths, 0 being the most severe
/// (the specification's severity distances).
fn level(metric: &str, value: &str) -> i32 {
    match (metric, value) {
        ("AV", "N") | ("PR", "N") | ("UI", "N") | ("AC", "L") | ("AT", "N") => 0,
        ("AV", "A") | ("PR", "L") | ("UI", "P") | ("AC", "H") | ("AT", "P") => 1,
        ("AV", "L") | ("PR", "H") | ("UI", "A") => 2,
        ("AV", "P") => 3,
        ("VC" | "VI" | "VA", "H") | ("CR" | "IR" | "AR", "H") => 0,
        ("VC" | "VI" | "VA", "L") | ("CR" | "IR" | "AR", "M") => 1,
        ("VC" | "VI" | "VA", "N") | ("CR" | "IR" | "AR", "L") => 2,
        ("SI" | "SA", "S") => 0,
        ("SC" | "SI" | "SA", "H") => 1,
        ("SC" | "SI" | "SA", "L") => 2,
        ("SC" | "SI" | "SA", "N") => 3,
        _ => 0,
    }
}

/// The specification's highest severity vectors of each level.
fn highest_eq1(level: usize) -> &'static [&'static str] {
    match level {
        0 => &["AV:N/PR:N/UI:N"],
        1 => &["AV:A/PR:N/UI:N", "AV:N/PR:L/UI:N", "AV:N/PR:N/UI:P"],
        _ => &["AV:P/PR:N/UI:N", "AV:A/PR:L/UI:P"],
    }
}

fn highest_eq2(level: usize) -> &'static [&'static str] {
    match level {
        0 => &["AC:L/AT:N"],
        _ => &["AC:H/AT:N", "AC:L/AT:P"],
    }
}

/// EQ3 and EQ6 are scored together.
fn highest_eq3_eq6(eq3: usize, eq6: usize) -> &'static [&'static str] {
    match (eq3, eq6) {
        (0, 0) => &["VC:H/VI:H/VA:H/CR:H/IR:H/AR:H"],
        (0, _) => &[
            "VC:H/VI:H/VA:L/CR:M/IR:M/AR:H",
            "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M",
        ],
        (1, 0) => &[
            "VC:L/VI:H/VA:H/CR:H/IR:H/AR:H",
            "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H",
        ],
        (1, _) => &[
            "VC:L/VI:H/VA:L/CR:H/IR:M/AR:H",
            "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M",
            "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M",
            "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H",
            "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M",
        ],
        _ => &["VC:L/VI:L/VA:L/CR:H/IR:H/AR:H"],
    }
}

fn highest_eq4(level: usize) -> &'static str {
    match level {
        0 => "SC:H/SI:S/SA:S",
        1 => "SC:H/SI:H/SA:H",
        _ => "SC:L/SI:L/SA:L",
    }
}

/// Depth of each level, in tenths: the largest severity distance a vector
/// of that level can have from its highest severity vector.
fn depth(eq: usize, level: usize, eq6: usize) -> i32 {
    match (eq, level) {
        (1, 0) | (2, 0) => 1,
        (1, 1) => 4,
        (1, _) => 5,
        (2, _) => 2,
        (3, 0) => [7, 6].get(eq6).copied().unwrap_or(6),
        (3, 1) => 8,
        (3, _) => 10,
        (4, l) => 6 - l as i32,
        _ => 1,
    }
}

/// Severity distances of `v` from one highest severity vector, summed per
/// equivalence set (EQ1, EQ2, EQ3+EQ6, EQ4), and whether `v` is nowhere
/// more severe than it.
fn distances(v: &Vector<'_>, highest: &[&str]) -> ([i32; 4], bool) {
    let mut sums = [0; 4];
    let mut fits = true;
    for (i, part) in highest.iter().enumerate() {
        for field in part.split('/') {
            let Some((metric, max_value)) = field.split_once(':') else {
                continue;
            };
            let d = level(metric, v.get(metric)) - level(metric, max_value);
            fits &= d >= 0;
            if let Some(s) = sums.get_mut(i) {
                *s += d;
            }
        }
    }
    (sums, fits)
}

/// CVSS v4.0 score of a `CVSS:4.0/...` vector (CVSS-B for a vector with
/// only Base metrics; Threat and Environmental metrics are applied when
/// given), or `None` when the vector is malformed.
pub fn score_v4(vector: &str) -> Option<f64> {
    let v = Vector::parse(vector)?;
    if ["VC", "VI", "VA", "SC", "SI", "SA"]
        .iter()
        .all(|m| v.get(m) == "N")
    {
        return Some(0.0);
    }
    let mv = MacroVector::of(&v);
    let value = mv.score()?;
    let [eq1, eq2, eq3, eq4, _, eq6] = mv.eq;

    // The next lower macrovector of each equivalence set. EQ3 and EQ6 move
    // together: 00 → 01 or 10 (the higher score), 01 → 11, 10 → 11,
    // 11 → 21, and 21 is the lowest.
    let lower_eq3_eq6 = match (eq3, eq6) {
        (0, 0) => match (mv.lower(5).score(), mv.lower(2).score()) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        },
        (0 | 1, 1) => mv.lower(2).score(),
        (1, 0) => mv.lower(5).score(),
        _ => None,
    };
    let lower = [
        mv.lower(0).score(),
        mv.lower(1).score(),
        lower_eq3_eq6,
        mv.lower(3).score(),
        mv.lower(4).score(),
    ];

    // The first highest severity vector of the macrovector that `v` does
    // not exceed in any metric (the last one if there is none).
    let mut found = ([0; 4], false);
    'search: for a in highest_eq1(eq1) {
        for b in highest_eq2(eq2) {
            for c in highest_eq3_eq6(eq3, eq6) {
                found = distances(&v, &[a, b, c, highest_eq4(eq4)]);
                if found.1 {
                    break 'search;
                }
            }
        }
    }
    let (dist, _) = found;

    let depths = [
        depth(1, eq1, eq6),
        depth(2, eq2, eq6),
        depth(3, eq3, eq6),
        depth(4, eq4, eq6),
    ];
    let mut reductions = 0.0;
    let mut counted = 0u32;
    for (i, next) in lower.iter().enumerate() {
        let Some(available) = next.map(|s| value - s).filter(|d| *d >= 0.0) else {
            continue;
        };
        counted += 1;
        // EQ5 (Exploit Maturity) has a single value per level: no distance.
        if let (Some(d), Some(depth)) = (dist.get(i), depths.get(i)) {
            reductions += available * f64::from(*d) / f64::from(*depth);
        }
    }
    let mean = if counted == 0 {
        0.0
    } else {
        reductions / f64::from(counted)
    };
    Some(round_half_up((value - mean).clamp(0.0, 10.0)))
}

/// Rounds to one decimal, halves up; the small offset keeps results like
/// 8.6 - 7.15 = 1.4499999999999993 on the intended side.
fn round_half_up(x: f64) -> f64 {
    ((x + 1e-6) * 10.0 + 0.5).floor() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scores published by the FIRST calculator, NVD/GitHub advisories in
    /// the conformance samples, and DefectDojo's own output.
    #[test]
    fn known_scores() {
        let cases = [
            (
                "AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                9.3,
            ),
            (
                "AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
                10.0,
            ),
            (
                "AV:L/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N",
                0.0,
            ),
            (
                "AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N",
                6.9,
            ),
            (
                "AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:N/SC:L/SI:L/SA:N",
                9.1,
            ),
            (
                "AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:L/SC:N/SI:N/SA:N",
                6.9,
            ),
            (
                "AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:H",
                9.2,
            ),
            (
                "AV:N/AC:L/AT:P/PR:N/UI:N/VC:L/VI:L/VA:N/SC:L/SI:L/SA:N",
                6.3,
            ),
            (
                "AV:N/AC:L/AT:N/PR:N/UI:P/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N",
                5.3,
            ),
            (
                "AV:N/AC:L/AT:P/PR:N/UI:P/VC:N/VI:H/VA:N/SC:N/SI:N/SA:N",
                6.0,
            ),
            (
                "AV:N/AC:L/AT:P/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N",
                6.3,
            ),
            (
                "AV:N/AC:H/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N",
                8.2,
            ),
            (
                "AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N",
                9.3,
            ),
            (
                "AV:N/AC:L/AT:P/PR:L/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N/E:U",
                2.3,
            ),
            (
                "AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N/E:U",
                2.7,
            ),
            (
                "AV:P/AC:H/AT:N/PR:H/UI:P/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:A",
                7.3,
            ),
        ];
        for (v, want) in cases {
            let got = score_v4(&format!("CVSS:4.0/{v}"));
            assert_eq!(got, Some(want), "{v}");
        }
    }

    #[test]
    fn environmental_and_safety_metrics_apply() {
        let base = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
        // Modified Subsequent System integrity "Safety" is macrovector EQ4 0.
        assert_eq!(score_v4(&format!("{base}/MSI:S")), Some(10.0));
        // "X" (not defined) changes nothing.
        assert_eq!(score_v4(&format!("{base}/E:X/CR:X/MAV:X")), Some(9.3));
        // Supplemental metrics never change the score.
        assert_eq!(score_v4(&format!("{base}/S:P/AU:Y/U:Red")), Some(9.3));
        assert!(score_v4(&format!("{base}/E:U")).is_some_and(|s| s < 9.3));
    }

    #[test]
    fn malformed_vectors_have_no_score() {
        for v in [
            "",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/",
            "CVSS:4.0/AV:N/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            "CVSS:4.0/AV:Q/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/ZZ:1",
        ] {
            assert_eq!(score_v4(v), None, "{v}");
        }
    }

    #[test]
    fn every_table_entry_is_a_score() {
        let mut count = 0;
        for row in SCORES {
            for s in row {
                assert!(s == N || (0.0..=10.0).contains(&s));
                count += usize::from(s != N);
            }
        }
        assert_eq!(count, 270);
    }
}
