//! The error line shown under forms and pages.

use yew::prelude::*;

/// Props of [`FormError`].
#[derive(Properties, PartialEq)]
pub struct FormErrorProps {
    /// Message; nothing is rendered when `None`.
    pub error: Option<String>,
}

/// Error text with `data-testid="form-error"`.
#[function_component(FormError)]
pub fn form_error(props: &FormErrorProps) -> Html {
    match &props.error {
        Some(error) => html! {
            <p class="form-error" role="alert" data-testid="form-error">{ error.clone() }</p>
        },
        None => html! {},
    }
}
