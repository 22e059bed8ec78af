//! RFC 3339 timestamps as sortable numbers. The server's fractional seconds vary in
//! length, so the strings themselves do not sort chronologically.

/// Milliseconds since the Unix epoch for an RFC 3339 timestamp, or `None` if malformed.
pub fn parse_rfc3339_millis(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> { s.get(from..to)?.parse().ok() };
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let mut rest = &s[19..];
    let mut millis = 0i64;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let take = digits.min(3);
        let mut scaled: i64 = frac.get(..take)?.parse().ok()?;
        for _ in take..3 {
            scaled *= 10;
        }
        millis = scaled;
        rest = &frac[digits..];
    }
    let offset_minutes = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) => {
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            let h: i64 = rest.get(1..3)?.parse().ok()?;
            let m: i64 = rest.get(4..6)?.parse().ok()?;
            sign * (h * 60 + m)
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    Some(secs * 1_000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Sort key for a timestamp: malformed values sort as the oldest.
pub fn sort_key(s: &str) -> i64 {
    parse_rfc3339_millis(s).unwrap_or(i64::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_utc_and_offsets() {
        assert_eq!(parse_rfc3339_millis("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339_millis("2024-02-29T12:34:56.789Z"), Some(1_709_210_096_789));
        assert_eq!(parse_rfc3339_millis("2024-02-29T14:34:56.789+02:00"), Some(1_709_210_096_789));
        assert_eq!(parse_rfc3339_millis("2024-02-29T12:34:56.789123456+00:00"), Some(1_709_210_096_789));
        assert_eq!(parse_rfc3339_millis("2024-02-29T12:34:56.5Z"), Some(1_709_210_096_500));
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(parse_rfc3339_millis(""), None);
        assert_eq!(parse_rfc3339_millis("2024-02-29"), None);
        assert_eq!(parse_rfc3339_millis("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339_millis("2024-01-01T00:00:00"), None);
        assert_eq!(parse_rfc3339_millis("2024-01-01T00:00:00.Z"), None);
    }

    #[test]
    fn fractional_lengths_sort_chronologically() {
        // Lexicographically "…00Z" > "…00.5Z", chronologically the opposite.
        assert!(sort_key("2024-01-01T00:00:00Z") < sort_key("2024-01-01T00:00:00.5Z"));
    }
}
