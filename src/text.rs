//! Text conventions every renderer shares: RFC 3339 timestamps for reports and plan documents,
//! durations as people write them (`15m`, `90d`, `250ms`) for flags, the configuration file and
//! messages, and counted nouns (`1 row`, `3 rows`).
//!
//! A leaf module: it imports nothing of the crate. Parsing names no flag or key; the settings step
//! adds which one was wrong.

use std::time::Duration;

use anyhow::{Context as _, bail};
use time::OffsetDateTime;

/// RFC 3339 text of a moment.
pub fn rfc3339(when: OffsetDateTime) -> String {
    when.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// `1 row is` / `3 rows are`: the count with the singular or the plural phrase.
pub fn plural(count: usize, one: &str, many: &str) -> String {
    if count == 1 { format!("1 {one}") } else { format!("{count} {many}") }
}

/// A count with thousands separators, as people read large numbers: `10,000`.
pub fn thousands(count: usize) -> String {
    let digits = count.to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// Parses `90d`, `15m`, `30s`, `2h`, `500ms` or a bare number of seconds.
pub fn parse_duration(text: &str) -> anyhow::Result<Duration> {
    let text = text.trim();
    let split = text.find(|character: char| !character.is_ascii_digit() && character != '.').unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().with_context(|| format!("{text:?} is not a duration (try 30s, 15m, 2h, 90d)"))?;
    let seconds = match unit.trim() {
        "" | "s" | "sec" | "secs" => value,
        "ms" => value / 1000.0,
        "m" | "min" | "mins" => value * 60.0,
        "h" | "hour" | "hours" => value * 3600.0,
        "d" | "day" | "days" => value * 86_400.0,
        other => bail!("unknown duration unit {other:?} in {text:?} (use ms, s, m, h or d)"),
    };
    if !seconds.is_finite() || seconds < 0.0 {
        bail!("{text:?} is not a duration");
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Formats a duration the way [`parse_duration`] reads it (`15m`, `90s`, `1h30m` → `5400s`).
pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if duration.subsec_millis() != 0 {
        format!("{}ms", duration.as_millis())
    } else if seconds.is_multiple_of(86_400) && seconds > 0 {
        format!("{}d", seconds / 86_400)
    } else if seconds.is_multiple_of(3600) && seconds > 0 {
        format!("{}h", seconds / 3600)
    } else if seconds.is_multiple_of(60) && seconds > 0 {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_are_separated_by_commas() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(10_000), "10,000");
        assert_eq!(super::thousands(1_234_567), "1,234,567");
    }

    use super::*;

    #[test]
    fn durations_parse_and_format() {
        assert_eq!(parse_duration("90d").ok(), Some(Duration::from_secs(90 * 86_400)));
        assert_eq!(parse_duration("15m").ok(), Some(Duration::from_secs(900)));
        assert_eq!(parse_duration("250ms").ok(), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("42").ok(), Some(Duration::from_secs(42)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5 weeks").is_err());
        assert_eq!(format_duration(Duration::from_secs(900)), "15m");
        assert_eq!(format_duration(Duration::from_secs(61)), "61s");
    }

    #[test]
    fn timestamps_are_rfc3339_in_utc() {
        assert_eq!(rfc3339(time::macros::datetime!(2026-11-24 10:15:00 UTC)), "2026-11-24T10:15:00Z");
    }
}
