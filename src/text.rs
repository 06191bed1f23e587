//! Text conventions every renderer shares: RFC 3339 timestamps for reports and plan documents,
//! durations as people write them (`15m`, `90d`, `250ms`) for flags, the configuration file and
//! messages, durations as people read them (`4 min 10 s` left, `52.3 s` waited), rate limits as
//! people say them (`10 a minute`), and counted nouns (`1 row`, `3 rows`).
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

/// RFC 3339 text of a moment to the second (`2026-11-24T10:15:00Z`): the stamp of a progress line.
pub fn rfc3339_seconds(when: OffsetDateTime) -> String {
    rfc3339(when.replace_nanosecond(0).unwrap_or(when))
}

/// Time left in a countdown or an estimate: `42 s`, `4 min 10 s`, `2 h 05 min`. Rounded up to the
/// second, so a wait still under way never reads `0 s`.
pub fn time_left(duration: Duration) -> String {
    let seconds = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min {:02} s", seconds / 60, seconds % 60),
        _ => format!("{} h {:02} min", seconds / 3600, (seconds % 3600) / 60),
    }
}

/// Time spent: `0.4 s`, `52.3 s`, `4 min 10 s`, `2 h 05 min`.
pub fn time_spent(duration: Duration) -> String {
    if duration < Duration::from_secs(60) {
        format!("{:.1} s", duration.as_secs_f64())
    } else {
        time_left(Duration::from_secs(duration.as_secs()))
    }
}

/// A rate limit as people say it: `10 action requests a minute`, `1 action request every 2 s`,
/// `5 group reads every 10 s`, `100 user reads an hour`.
pub fn rate(limit: usize, window: Duration, one: &str, many: &str) -> String {
    let count = plural(limit, one, many);
    match window.as_secs() {
        _ if window.subsec_nanos() != 0 => format!("{count} every {}", format_duration(window)),
        1 => format!("{count} a second"),
        60 => format!("{count} a minute"),
        3600 => format!("{count} an hour"),
        seconds if seconds.is_multiple_of(60) => format!("{count} every {} min", seconds / 60),
        seconds => format!("{count} every {seconds} s"),
    }
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
    fn times_and_rates_read_as_people_say_them() {
        assert_eq!(time_left(Duration::from_millis(100)), "1 s", "a wait under way is never 0 s");
        assert_eq!(time_left(Duration::ZERO), "0 s");
        assert_eq!(time_left(Duration::from_secs(42)), "42 s");
        assert_eq!(time_left(Duration::from_millis(249_500)), "4 min 10 s");
        assert_eq!(time_left(Duration::from_secs(7 * 3600 + 5 * 60)), "7 h 05 min");
        assert_eq!(time_spent(Duration::from_millis(52_340)), "52.3 s");
        assert_eq!(time_spent(Duration::from_millis(250_900)), "4 min 10 s");
        assert_eq!(
            rate(10, Duration::from_secs(60), "action request", "action requests"),
            "10 action requests a minute"
        );
        assert_eq!(rate(1, Duration::from_secs(2), "action request", "action requests"), "1 action request every 2 s");
        assert_eq!(rate(5, Duration::from_secs(600), "group read", "group reads"), "5 group reads every 10 min");
        assert_eq!(rate(3, Duration::from_millis(1500), "read", "reads"), "3 reads every 1500ms");
    }

    #[test]
    fn timestamps_are_rfc3339_in_utc() {
        assert_eq!(rfc3339_seconds(time::macros::datetime!(2026-11-24 10:15:00.734 UTC)), "2026-11-24T10:15:00Z");
        assert_eq!(rfc3339(time::macros::datetime!(2026-11-24 10:15:00 UTC)), "2026-11-24T10:15:00Z");
    }
}
