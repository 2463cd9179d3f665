//! Numbers for people: medians, ratios with their targets, and thousands separators.

use std::time::Duration;

/// The median of `values` (the mean of the middle two for an even count); `None` if empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => sorted.get(mid).copied(),
        _ => Some((sorted.get(mid - 1)? + sorted.get(mid)?) / 2.0),
    }
}

/// The median of durations.
pub fn median_duration(values: &[Duration]) -> Option<Duration> {
    let seconds: Vec<f64> = values.iter().map(Duration::as_secs_f64).collect();
    median(&seconds).map(Duration::from_secs_f64)
}

/// `1234567.8` as `1,234,568`.
pub fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Milliseconds with one decimal.
pub fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1e3)
}

/// A target next to a measured value: printed, never asserted.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// The value should be at least this.
    AtLeast(f64),
    /// The value should be at most this.
    AtMost(f64),
    /// The value should be exactly this (counts).
    Exactly(f64),
    /// Nothing to aim at; shown for context.
    None,
}

impl Target {
    /// Whether `value` meets the target (`None` when there is none).
    pub fn met(self, value: f64) -> Option<bool> {
        match self {
            Target::AtLeast(min) => Some(value >= min),
            Target::AtMost(max) => Some(value <= max),
            Target::Exactly(want) => Some(value == want),
            Target::None => None,
        }
    }

    /// `>= 0.90`, `<= 1.00`, `== 0`, or empty.
    pub fn describe(self) -> String {
        match self {
            Target::AtLeast(min) => format!(">= {min:.2}"),
            Target::AtMost(max) => format!("<= {max:.2}"),
            Target::Exactly(want) => format!("== {want}"),
            Target::None => String::new(),
        }
    }
}

/// Ratios measured pairwise, one per round: their median and range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paired {
    /// The median ratio.
    pub median: f64,
    /// The smallest ratio of a round.
    pub min: f64,
    /// The largest ratio of a round.
    pub max: f64,
}

impl Paired {
    /// From the per-round ratios; `None` if there are none.
    pub fn of(ratios: &[f64]) -> Option<Self> {
        Some(Paired {
            median: median(ratios)?,
            min: ratios.iter().copied().reduce(f64::min)?,
            max: ratios.iter().copied().reduce(f64::max)?,
        })
    }
}

/// One printed row of a ratio table: name, value, the rounds' range, target, and `met` /
/// `MISSED`.
pub fn target_row(name: &str, value: Option<Paired>, decimals: usize, target: Target) -> String {
    let shown = value.map_or_else(|| "n/a".to_owned(), |v| format!("{:.decimals$}", v.median));
    let range = value
        .filter(|v| v.min < v.max)
        .map_or_else(String::new, |v| {
            format!("{:.decimals$}..{:.decimals$}", v.min, v.max)
        });
    let verdict = match value.and_then(|v| target.met(v.median)) {
        Some(true) => "met",
        Some(false) => "MISSED",
        None if matches!(target, Target::None) => "",
        None => "not measured",
    };
    format!(
        "  {name:<44} {shown:>8}  {range:<14}  {:<9} {verdict}",
        target.describe()
    )
    .trim_end()
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(
            median_duration(&[Duration::from_millis(5), Duration::from_millis(1)]),
            Some(Duration::from_millis(3))
        );
    }

    #[test]
    fn formatting() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1234567.8), "1,234,568");
        assert_eq!(Target::AtLeast(0.9).met(0.95), Some(true));
        assert_eq!(Target::Exactly(0.0).met(1.0), Some(false));
        assert_eq!(Target::AtMost(1.0).met(0.5), Some(true));
        let paired = Paired::of(&[0.5, 0.4, 0.7]).unwrap();
        assert_eq!((paired.median, paired.min, paired.max), (0.5, 0.4, 0.7));
        assert_eq!(Paired::of(&[]), None);
        let row = target_row("x", Some(paired), 3, Target::AtLeast(0.9));
        assert!(
            row.contains("0.400..0.700") && row.ends_with("MISSED"),
            "{row}"
        );
        assert!(target_row("x", None, 3, Target::AtLeast(0.9)).ends_with("not measured"));
        assert!(target_row("x", Some(paired), 3, Target::None).ends_with("0.400..0.700"));
    }
}
