//! Login and registration pages.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::{auth, ApiError};
use crate::components::{bind, AppLink, FormError};
use crate::hooks::use_session;
use crate::route::Route;
use crate::state::session::SessionAction;
use crate::state::UserRef;

/// Shared submit logic: run the call, then log in and go home, or show the error.
fn submit_with<F, Fut>(
    busy: UseStateHandle<bool>,
    error: UseStateHandle<Option<String>>,
    session: Option<crate::hooks::SessionContext>,
    navigator: Option<Navigator>,
    call: F,
) -> Callback<SubmitEvent>
where
    F: Fn() -> Fut + 'static,
    Fut: std::future::Future<Output = Result<UserRef, ApiError>> + 'static,
{
    Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        if *busy {
            return;
        }
        busy.set(true);
        error.set(None);
        let future = call();
        let (busy, error, session, navigator) =
            (busy.clone(), error.clone(), session.clone(), navigator.clone());
        wasm_bindgen_futures::spawn_local(async move {
            match future.await {
                Ok(user) => {
                    if let Some(session) = session {
                        session.dispatch(SessionAction::LoggedIn(user));
                    }
                    if let Some(navigator) = navigator {
                        navigator.push(&Route::Home);
                    }
                }
                Err(e) => {
                    error.set(Some(e.to_string()));
                    busy.set(false);
                }
            }
        });
    })
}

/// `/login`.
#[function_component(LoginPage)]
pub fn login_page() -> Html {
    let session = use_session();
    let navigator = use_navigator();
    let username = use_state(String::new);
    let password = use_state(String::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<String>);
    if session.as_ref().is_some_and(|s| s.viewer().is_some()) {
        return html! { <Redirect<Route> to={Route::Home} /> };
    }
    let onsubmit = {
        let (username, password) = (username.clone(), password.clone());
        submit_with(busy.clone(), error.clone(), session, navigator, move || {
            auth::login(username.trim().to_owned(), (*password).clone())
        })
    };
    html! {
        <main class="auth-page">
            <form class="card auth-card" {onsubmit}>
                <h1>{ "Log in to Jeco Chat" }</h1>
                <label>{ "Username or email" }
                    <input data-testid="login-username" autocomplete="username" required=true
                        value={(*username).clone()} oninput={bind(&username)} />
                </label>
                <label>{ "Password" }
                    <input data-testid="login-password" type="password" required=true
                        autocomplete="current-password"
                        value={(*password).clone()} oninput={bind(&password)} />
                </label>
                <FormError error={(*error).clone()} />
                <button type="submit" class="btn btn-primary" data-testid="login-submit"
                    disabled={*busy}>{ if *busy { "Logging in…" } else { "Log in" } }</button>
                <p class="muted">{ "No account? " }<AppLink to={Route::Register}>{ "Register" }</AppLink></p>
                <p class="muted">
                    <AppLink to={Route::ForgotPassword} testid="forgot-password-link">{ "Forgot your password?" }</AppLink>
                </p>
            </form>
        </main>
    }
}

/// `/register`.
#[function_component(RegisterPage)]
pub fn register_page() -> Html {
    let session = use_session();
    let navigator = use_navigator();
    let username = use_state(String::new);
    let email = use_state(String::new);
    let password = use_state(String::new);
    let display_name = use_state(String::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<String>);
    if session.as_ref().is_some_and(|s| s.viewer().is_some()) {
        return html! { <Redirect<Route> to={Route::Home} /> };
    }
    let onsubmit = {
        let fields = (username.clone(), email.clone(), password.clone(), display_name.clone());
        submit_with(busy.clone(), error.clone(), session, navigator, move || {
            let (username, email, password, display_name) = &fields;
            let display_name = display_name.trim();
            auth::register(
                username.trim().to_owned(),
                email.trim().to_owned(),
                (**password).clone(),
                (!display_name.is_empty()).then(|| display_name.to_owned()),
            )
        })
    };
    html! {
        <main class="auth-page">
            <form class="card auth-card" {onsubmit}>
                <h1>{ "Create your Jeco Chat account" }</h1>
                <label>{ "Username" }
                    <input data-testid="register-username" autocomplete="username" required=true
                        value={(*username).clone()} oninput={bind(&username)} />
                </label>
                <label>{ "Email" }
                    <input data-testid="register-email" type="email" autocomplete="email" required=true
                        value={(*email).clone()} oninput={bind(&email)} />
                </label>
                <label>{ "Password" }
                    <input data-testid="register-password" type="password" required=true
                        autocomplete="new-password"
                        value={(*password).clone()} oninput={bind(&password)} />
                </label>
                <label>{ "Display name " }<span class="muted">{ "(optional)" }</span>
                    <input data-testid="register-display-name" autocomplete="nickname"
                        value={(*display_name).clone()} oninput={bind(&display_name)} />
                </label>
                <FormError error={(*error).clone()} />
                <button type="submit" class="btn btn-primary" data-testid="register-submit"
                    disabled={*busy}>{ if *busy { "Creating account…" } else { "Register" } }</button>
                <p class="muted">{ "Already registered? " }<AppLink to={Route::Login}>{ "Log in" }</AppLink></p>
            </form>
        </main>
    }
}
