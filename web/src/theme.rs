//! Light or dark theme: the choice is remembered in `localStorage["jeco.theme"]`, and
//! without one the system's `prefers-color-scheme` decides. The theme is the
//! `data-theme` attribute of `<html>`, which `index.html` sets before first paint.

/// `localStorage` key of the remembered choice.
pub const STORAGE_KEY: &str = "jeco.theme";

/// A colour theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// Dark text on light surfaces.
    Light,
    /// Light text on dark surfaces.
    Dark,
}

impl Theme {
    /// Value of `data-theme` and of the stored choice.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// Parses a stored value (anything else is no choice).
    pub fn parse(value: &str) -> Option<Theme> {
        match value {
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }

    /// The other theme.
    pub fn toggled(self) -> Theme {
        match self {
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Light,
        }
    }
}

fn root() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.document_element()
}

fn system_prefers_dark() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .is_some_and(|m| m.matches())
}

/// The theme in effect: `<html data-theme>`, else the stored choice, else the system's.
pub fn current() -> Theme {
    let attribute = root().and_then(|r| r.get_attribute("data-theme"));
    let stored = || {
        web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
    };
    attribute
        .as_deref()
        .and_then(Theme::parse)
        .or_else(|| stored().as_deref().and_then(Theme::parse))
        .unwrap_or(if system_prefers_dark() { Theme::Dark } else { Theme::Light })
}

/// Applies a theme and remembers it (storage may be unavailable, e.g. private mode:
/// the theme still applies for this visit).
pub fn set(theme: Theme) {
    if let Some(root) = root() {
        let _ = root.set_attribute("data-theme", theme.as_str());
    }
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(STORAGE_KEY, theme.as_str());
    }
}

#[cfg(test)]
mod tests {
    use super::Theme;

    #[test]
    fn parse_round_trips_and_toggles() {
        for theme in [Theme::Light, Theme::Dark] {
            assert_eq!(Theme::parse(theme.as_str()), Some(theme));
            assert_eq!(theme.toggled().toggled(), theme);
        }
        assert_eq!(Theme::parse("DARK"), None);
        assert_eq!(Theme::parse(""), None);
    }
}
