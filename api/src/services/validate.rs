//! Input rules shared by the services (lengths are in characters).

use crate::error::{UserError, UserErrorCode};

/// Longest message body.
pub const MAX_BODY_CHARS: usize = 4000;

/// A trimmed, non-empty text of at most `max` characters without control
/// characters (newlines allowed only where `multiline`).
pub fn text(field: &str, value: &str, max: usize, multiline: bool) -> Result<String, UserError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(UserError::on_field(field, UserErrorCode::Invalid, format!("{field} must not be empty")));
    }
    if v.chars().count() > max {
        return Err(UserError::on_field(
            field,
            UserErrorCode::TooLong,
            format!("{field} must be at most {max} characters"),
        ));
    }
    if v.chars().any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t'))) {
        return Err(UserError::on_field(
            field,
            UserErrorCode::Invalid,
            format!("{field} contains control characters"),
        ));
    }
    Ok(v.to_string())
}

/// 3–32 of `a-z A-Z 0-9 _ . -`, starting with a letter or digit, and not
/// a deleted account's handle.
pub fn username(value: &str) -> Result<String, UserError> {
    let v = value.trim();
    let ok_len = (3..=32).contains(&v.chars().count());
    let ok_chars = v.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    let ok_start = v.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if reserved_username(v) {
        return Err(UserError::on_field(
            "username",
            UserErrorCode::Invalid,
            "usernames starting with 'deleted-' are reserved",
        ));
    }
    if ok_len && ok_chars && ok_start {
        Ok(v.to_string())
    } else {
        Err(UserError::on_field(
            "username",
            UserErrorCode::Invalid,
            "username must be 3–32 letters, digits, '_', '.' or '-', starting with a letter or digit",
        ))
    }
}

/// Handles of the form `deleted-…` are what account deletion renames an
/// account to (`users::anonymise_user`); nobody may take one, or that
/// deletion would collide with it.
fn reserved_username(v: &str) -> bool {
    v.get(..8).is_some_and(|p| p.eq_ignore_ascii_case("deleted-"))
}

/// An email address a new account may use: plausible, and not in the
/// `deleted.invalid` domain account deletion moves addresses to.
pub fn new_email(value: &str) -> Result<String, UserError> {
    let v = email(value)?;
    let domain = v.rsplit_once('@').map_or("", |(_, d)| d);
    if domain.eq_ignore_ascii_case("deleted.invalid") {
        return Err(UserError::on_field("email", UserErrorCode::Invalid, "email address is not valid"));
    }
    Ok(v)
}

/// A plausible email address (the mailbox is proven by password reset later).
pub fn email(value: &str) -> Result<String, UserError> {
    let v = value.trim();
    let plausible = v.len() <= 254
        && !v.chars().any(|c| c.is_whitespace() || c.is_control())
        && v.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        });
    if plausible {
        Ok(v.to_string())
    } else {
        Err(UserError::on_field("email", UserErrorCode::Invalid, "email address is not valid"))
    }
}

/// 8–128 characters (the cap keeps hashing cost bounded).
pub fn password(field: &str, value: &str) -> Result<(), UserError> {
    let n = value.chars().count();
    if n < 8 {
        Err(UserError::on_field(field, UserErrorCode::Invalid, "password must be at least 8 characters"))
    } else if n > 128 {
        Err(UserError::on_field(field, UserErrorCode::TooLong, "password must be at most 128 characters"))
    } else {
        Ok(())
    }
}

/// A client id: 1–64 visible ASCII characters.
pub fn client_id(value: &str) -> Result<String, UserError> {
    let ok = (1..=64).contains(&value.len()) && value.chars().all(|c| c.is_ascii_graphic());
    if ok {
        Ok(value.to_string())
    } else {
        Err(UserError::on_field(
            "clientId",
            UserErrorCode::Invalid,
            "clientId must be 1–64 visible ASCII characters",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(username("alice_1").is_ok());
        assert!(username("al").is_err());
        assert!(username("_alice").is_err());
        assert!(username("al ice").is_err());
        assert!(username(&"a".repeat(33)).is_err());
        assert!(username("deleted-12").is_err());
        assert!(username("Deleted-x").is_err());
        assert!(username("deleted").is_ok());
    }

    #[test]
    fn emails() {
        assert!(email("a@b.co").is_ok());
        assert!(email("a@b").is_err());
        assert!(email("@b.co").is_err());
        assert!(email("a b@c.co").is_err());
        assert!(new_email("deleted-3@Deleted.Invalid").is_err());
        assert!(new_email("a@b.co").is_ok());
    }

    #[test]
    fn texts() {
        assert_eq!(text("body", "  hi\nthere ", 10, true).unwrap(), "hi\nthere");
        assert_eq!(text("name", "a\nb", 10, false).unwrap_err().code, UserErrorCode::Invalid);
        assert_eq!(text("body", "   ", 10, true).unwrap_err().code, UserErrorCode::Invalid);
        assert_eq!(text("body", &"é".repeat(11), 10, true).unwrap_err().code, UserErrorCode::TooLong);
        assert!(text("body", &"é".repeat(10), 10, true).is_ok());
    }

    #[test]
    fn client_ids() {
        assert!(client_id("abc-123").is_ok());
        assert!(client_id("").is_err());
        assert!(client_id("has space").is_err());
        assert!(client_id(&"x".repeat(65)).is_err());
    }
}
