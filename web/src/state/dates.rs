//! Calendar arithmetic for the timeline's day separators and relative times. Every
//! function takes *local* milliseconds (UTC millis plus the zone offset at that
//! instant), so the browser supplies the zone and the rules stay host-testable.

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;

/// English weekday names, Monday first.
const WEEKDAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
/// English month names.
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Day number (days since 1970-01-01) of a local timestamp.
pub fn day_number(local_ms: i64) -> i64 {
    local_ms.div_euclid(DAY_MS)
}

/// (year, month 1–12, day 1–31) of a day number (Howard Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Weekday name of a day number (1970-01-01 was a Thursday).
fn weekday(days: i64) -> &'static str {
    WEEKDAYS[(days + 3).rem_euclid(7) as usize]
}

/// `HH:MM` of a local timestamp.
pub fn clock(local_ms: i64) -> String {
    let minutes = local_ms.rem_euclid(DAY_MS) / 60_000;
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// "23 Nov" (this year) or "23 Nov 2025".
fn short_date(days: i64, now_days: i64) -> String {
    let (year, month, day) = civil_from_days(days);
    let month = &MONTHS[month as usize - 1][..3];
    if year == civil_from_days(now_days).0 {
        format!("{day} {month}")
    } else {
        format!("{day} {month} {year}")
    }
}

/// Label of a day separator: "Today", "Yesterday", "Monday, 23 November", or with
/// the year when it is not this year.
pub fn day_label(local_ms: i64, now_local_ms: i64) -> String {
    let (days, today) = (day_number(local_ms), day_number(now_local_ms));
    match today - days {
        0 => "Today".to_owned(),
        1 => "Yesterday".to_owned(),
        _ => {
            let (year, month, day) = civil_from_days(days);
            let month = MONTHS[month as usize - 1];
            if year == civil_from_days(today).0 {
                format!("{}, {day} {month}", weekday(days))
            } else {
                format!("{}, {day} {month} {year}", weekday(days))
            }
        }
    }
}

/// Short time of a message: "just now", "5 min", "14:03", "Yesterday 14:03",
/// "23 Nov 14:03" or "23 Nov 2025". Times from the future (clock skew) count as now.
pub fn relative_time(local_ms: i64, now_local_ms: i64) -> String {
    let ago = now_local_ms - local_ms;
    let (days, today) = (day_number(local_ms), day_number(now_local_ms));
    if ago < 60_000 {
        "just now".to_owned()
    } else if ago < 3_600_000 {
        format!("{} min", ago / 60_000)
    } else if days == today {
        clock(local_ms)
    } else if days + 1 == today {
        format!("Yesterday {}", clock(local_ms))
    } else if civil_from_days(days).0 == civil_from_days(today).0 {
        format!("{} {}", short_date(days, today), clock(local_ms))
    } else {
        short_date(days, today)
    }
}

/// The full date and time for a tooltip: "Monday, 23 November 2026, 14:03".
pub fn full_date_time(local_ms: i64) -> String {
    let days = day_number(local_ms);
    let (year, month, day) = civil_from_days(days);
    format!("{}, {day} {} {year}, {}", weekday(days), MONTHS[month as usize - 1], clock(local_ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::time::parse_rfc3339_millis;

    fn at(s: &str) -> i64 {
        parse_rfc3339_millis(s).unwrap_or_default()
    }

    #[test]
    fn civil_round_trips() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(day_number(at("2024-02-29T23:59:59Z"))), (2024, 2, 29));
        assert_eq!(civil_from_days(day_number(at("2026-11-23T00:00:00Z"))), (2026, 11, 23));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn day_labels() {
        let now = at("2026-11-30T10:00:00Z");
        assert_eq!(day_label(at("2026-11-30T00:00:00Z"), now), "Today");
        assert_eq!(day_label(at("2026-11-29T23:59:00Z"), now), "Yesterday");
        assert_eq!(day_label(at("2026-11-23T12:00:00Z"), now), "Monday, 23 November");
        assert_eq!(day_label(at("2025-12-31T12:00:00Z"), now), "Wednesday, 31 December 2025");
    }

    #[test]
    fn relative_times() {
        let now = at("2026-11-30T14:30:00Z");
        assert_eq!(relative_time(at("2026-11-30T14:29:30Z"), now), "just now");
        assert_eq!(relative_time(at("2026-11-30T14:31:00Z"), now), "just now");
        assert_eq!(relative_time(at("2026-11-30T14:25:00Z"), now), "5 min");
        assert_eq!(relative_time(at("2026-11-30T13:30:01Z"), now), "59 min");
        assert_eq!(relative_time(at("2026-11-30T09:05:00Z"), now), "09:05");
        assert_eq!(relative_time(at("2026-11-29T14:03:00Z"), now), "Yesterday 14:03");
        assert_eq!(relative_time(at("2026-11-23T14:03:00Z"), now), "23 Nov 14:03");
        assert_eq!(relative_time(at("2025-11-23T14:03:00Z"), now), "23 Nov 2025");
    }

    #[test]
    fn full_date_for_tooltips() {
        assert_eq!(full_date_time(at("2026-11-23T14:03:00Z")), "Monday, 23 November 2026, 14:03");
    }
}
