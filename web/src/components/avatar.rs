//! A user's avatar: their picture when they have one (a signed URL from
//! `avatarUrl(size:)`), else their initials on a colour derived from their id. A
//! picture that fails to load (e.g. its URL expired) falls back to the initials.

use yew::prelude::*;

use crate::state::media::initials;
use crate::state::UserRef;

/// Props of [`Avatar`].
#[derive(Properties, PartialEq)]
pub struct AvatarProps {
    /// Who.
    pub user: UserRef,
    /// Displayed size in CSS pixels.
    #[prop_or(32)]
    pub size: u32,
    /// Overrides the user's picture (e.g. a preview before saving).
    #[prop_or_default]
    pub src: Option<AttrValue>,
}

/// A hue 0..360 from a user id, so a user keeps their colour everywhere.
pub fn hue(id: &str) -> u32 {
    id.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b))) % 360
}

/// `avatar` (an `img`, or a `span` with initials).
#[function_component(Avatar)]
pub fn avatar(props: &AvatarProps) -> Html {
    let failed = use_state(|| None::<String>);
    let user = &props.user;
    let src = props.src.as_ref().map(|s| s.to_string()).or_else(|| user.avatar_url.clone());
    let size = format!("width: {0}px; height: {0}px; font-size: {1}px", props.size, props.size * 2 / 5);
    match src.filter(|s| failed.as_deref() != Some(s.as_str())) {
        Some(src) => {
            let onerror = {
                let (failed, src) = (failed.clone(), src.clone());
                Callback::from(move |_: Event| failed.set(Some(src.clone())))
            };
            html! {
                <img class="avatar" data-testid="avatar" data-user-id={user.id.clone()} src={src} alt=""
                    width={props.size.to_string()} height={props.size.to_string()} style={size} {onerror} />
            }
        }
        None => {
            let style = format!("{size}; background: hsl({} 45% 32%)", hue(&user.id));
            html! {
                <span class="avatar initials" data-testid="avatar" data-user-id={user.id.clone()} {style}
                    aria-hidden="true">{ initials(&user.display_name, &user.username) }</span>
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::hue;

    #[test]
    fn hues_are_stable_and_in_range() {
        assert_eq!(hue("VXNlcjox"), hue("VXNlcjox"));
        assert!(hue("x") < 360);
        assert_ne!(hue("VXNlcjox"), hue("VXNlcjoy"));
    }
}
