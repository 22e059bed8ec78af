//! An in-app link that is a real `<a href>` carrying a `data-testid`.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::route::Route;

/// Props of [`AppLink`].
#[derive(Properties, PartialEq)]
pub struct AppLinkProps {
    /// Target route.
    pub to: Route,
    /// `data-testid` attribute.
    #[prop_or_default]
    pub testid: Option<AttrValue>,
    /// Accessible name, for links whose content is only an icon.
    #[prop_or_default]
    pub label: Option<AttrValue>,
    /// CSS classes.
    #[prop_or_default]
    pub class: Classes,
    /// Content.
    #[prop_or_default]
    pub children: Html,
}

/// Link that navigates inside the app (plain clicks) and works as a normal link otherwise.
#[function_component(AppLink)]
pub fn app_link(props: &AppLinkProps) -> Html {
    let navigator = use_navigator();
    let onclick = {
        let to = props.to.clone();
        Callback::from(move |e: MouseEvent| {
            let modified = e.ctrl_key() || e.meta_key() || e.shift_key() || e.alt_key();
            if modified || e.button() != 0 {
                return;
            }
            if let Some(navigator) = &navigator {
                e.prevent_default();
                navigator.push(&to);
            }
        })
    };
    html! {
        <a href={props.to.to_path()} class={props.class.clone()}
            data-testid={props.testid.clone()} aria-label={props.label.clone()} {onclick}>
            { props.children.clone() }
        </a>
    }
}
