//! `/forgot-password` (ask for a reset mail) and `/reset-password?token=…` (choose a
//! new password). Both work logged out; the first never says whether an address is
//! registered.

use serde::Deserialize;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::account;
use crate::components::{bind, AppLink, FormError};
use crate::route::Route;

/// The answer shown after any well-formed request.
pub const RESET_SENT: &str =
    "If the address is registered, we sent a link to reset the password. Check your inbox.";

/// Query of the reset link.
#[derive(Debug, Clone, Default, Deserialize)]
struct ResetQuery {
    #[serde(default)]
    token: Option<String>,
}

/// `/forgot-password`.
#[function_component(ForgotPasswordPage)]
pub fn forgot_password_page() -> Html {
    let email = use_state(String::new);
    let busy = use_state(|| false);
    let sent = use_state(|| false);
    let error = use_state(|| None::<String>);
    let onsubmit = {
        let (email, busy, sent, error) = (email.clone(), busy.clone(), sent.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            busy.set(true);
            error.set(None);
            let (address, busy, sent, error) =
                (email.trim().to_owned(), busy.clone(), sent.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match account::request_password_reset(address).await {
                    Ok(()) => sent.set(true),
                    Err(e) => error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        })
    };
    html! {
        <main class="auth-page">
            <form class="card auth-card" {onsubmit}>
                <h1>{ "Forgot your password?" }</h1>
                if *sent {
                    <p class="notice" role="status" data-testid="forgot-password-sent">{ RESET_SENT }</p>
                } else {
                    <p class="muted">{ "Enter your account's email address and we will send you a link to choose a new password." }</p>
                    <label>{ "Email" }
                        <input data-testid="forgot-password-email" type="email" autocomplete="email" required=true
                            value={(*email).clone()} oninput={bind(&email)} />
                    </label>
                    <FormError error={(*error).clone()} />
                    <button type="submit" class="btn btn-primary" data-testid="forgot-password-submit"
                        disabled={*busy}>{ if *busy { "Sending…" } else { "Send reset link" } }</button>
                }
                <p class="muted"><AppLink to={Route::Login} testid="back-to-login">{ "Back to login" }</AppLink></p>
            </form>
        </main>
    }
}

/// `/reset-password?token=…`.
#[function_component(ResetPasswordPage)]
pub fn reset_password_page() -> Html {
    let location = use_location();
    let token = location.and_then(|l| l.query::<ResetQuery>().ok()).and_then(|q| q.token).unwrap_or_default();
    let password = use_state(String::new);
    let confirm = use_state(String::new);
    let busy = use_state(|| false);
    let done = use_state(|| false);
    let error = use_state(|| None::<String>);
    let onsubmit = {
        let (password, confirm, busy, done, error) =
            (password.clone(), confirm.clone(), busy.clone(), done.clone(), error.clone());
        let token = token.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            if *password != *confirm {
                error.set(Some("The two passwords differ.".to_owned()));
                return;
            }
            busy.set(true);
            error.set(None);
            let (token, new_password) = (token.clone(), (*password).clone());
            let (busy, done, error) = (busy.clone(), done.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match account::reset_password(token, new_password).await {
                    Ok(()) => done.set(true),
                    Err(e) => error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        })
    };
    let body = if *done {
        html! {
            <>
                <p class="notice" role="status" data-testid="reset-password-done">
                    { "Your password was changed. Log in with the new one." }
                </p>
                <AppLink to={Route::Login} testid="reset-password-login" class="btn btn-primary">{ "Log in" }</AppLink>
            </>
        }
    } else if token.is_empty() {
        html! {
            <>
                <p class="form-error" role="alert" data-testid="reset-password-no-token">
                    { "This link has no reset token. Ask for a new link." }
                </p>
                <AppLink to={Route::ForgotPassword} testid="forgot-password-link">{ "Ask for a new link" }</AppLink>
            </>
        }
    } else {
        html! {
            <>
                <label>{ "New password" }
                    <input data-testid="reset-password-new" type="password" required=true autocomplete="new-password"
                        value={(*password).clone()} oninput={bind(&password)} />
                </label>
                <label>{ "Repeat the new password" }
                    <input data-testid="reset-password-confirm" type="password" required=true autocomplete="new-password"
                        value={(*confirm).clone()} oninput={bind(&confirm)} />
                </label>
                <FormError error={(*error).clone()} />
                <button type="submit" class="btn btn-primary" data-testid="reset-password-submit"
                    disabled={*busy}>{ if *busy { "Saving…" } else { "Set new password" } }</button>
                <p class="muted"><AppLink to={Route::ForgotPassword}>{ "Ask for a new link" }</AppLink></p>
            </>
        }
    };
    html! {
        <main class="auth-page">
            <form class="card auth-card" {onsubmit}>
                <h1>{ "Choose a new password" }</h1>
                { body }
            </form>
        </main>
    }
}
