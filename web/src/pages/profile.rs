//! `/profile`: avatar, display name and bio, password change, personal access tokens (the
//! secret shown once, with copy), and deleting the account.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::account::{self, AccessToken};
use crate::api::auth;
use crate::components::{bind, FormError};
use crate::hooks::use_session;
use crate::route::Route;
use crate::state::session::SessionAction;

/// A form's outcome line: error, or a confirmation.
fn outcome(error: &Option<String>, done: &Option<String>, testid: &'static str) -> Html {
    html! {
        <>
            <FormError error={error.clone()} />
            if let Some(done) = done {
                <p class="notice" role="status" data-testid={testid}>{ done.clone() }</p>
            }
        </>
    }
}

/// Copies text to the clipboard (best effort: the token stays on screen to copy by hand).
fn copy_to_clipboard(text: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}

/// Display name and bio.
#[function_component(ProfileForm)]
fn profile_form() -> Html {
    let session = use_session();
    let display_name = use_state(String::new);
    let bio = use_state(String::new);
    let loaded = use_state(|| false);
    let busy = use_state(|| false);
    let error = use_state(|| None::<String>);
    let done = use_state(|| None::<String>);
    {
        let (display_name, bio, loaded, error) =
            (display_name.clone(), bio.clone(), loaded.clone(), error.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match account::profile().await {
                    Ok(p) => {
                        display_name.set(p.user.display_name);
                        bio.set(p.bio.unwrap_or_default());
                        loaded.set(true);
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        });
    }
    let onsubmit = {
        let (display_name, bio, busy, error, done) =
            (display_name.clone(), bio.clone(), busy.clone(), error.clone(), done.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            busy.set(true);
            error.set(None);
            done.set(None);
            let (name, text) = (display_name.trim().to_owned(), bio.trim().to_owned());
            let (session, busy, error, done, bio) =
                (session.clone(), busy.clone(), error.clone(), done.clone(), bio.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match account::update_profile(name, text).await {
                    Ok(p) => {
                        bio.set(p.bio.clone().unwrap_or_default());
                        if let Some(session) = session {
                            session.dispatch(SessionAction::LoggedIn(p.user));
                        }
                        done.set(Some("Profile saved.".to_owned()));
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        })
    };
    let onbio = {
        let bio = bio.clone();
        Callback::from(move |e: InputEvent| {
            bio.set(e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value());
        })
    };
    html! {
        <form class="card profile-section" data-testid="profile-form" {onsubmit}>
            <h2>{ "Profile" }</h2>
            <label>{ "Display name" }
                <input data-testid="profile-display-name" autocomplete="nickname" required=true
                    value={(*display_name).clone()} oninput={bind(&display_name)} disabled={!*loaded} />
            </label>
            <label>{ "Bio" }
                <textarea data-testid="profile-bio" rows="3" value={(*bio).clone()} oninput={onbio}
                    disabled={!*loaded} />
            </label>
            { outcome(&error, &done, "profile-saved") }
            <button type="submit" class="btn btn-primary" data-testid="profile-save"
                disabled={*busy || !*loaded}>{ "Save profile" }</button>
        </form>
    }
}

/// Current and new password.
#[function_component(PasswordForm)]
fn password_form() -> Html {
    let current = use_state(String::new);
    let new = use_state(String::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<String>);
    let done = use_state(|| None::<String>);
    let onsubmit = {
        let (current, new, busy, error, done) =
            (current.clone(), new.clone(), busy.clone(), error.clone(), done.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            busy.set(true);
            error.set(None);
            done.set(None);
            let (old_pw, new_pw) = ((*current).clone(), (*new).clone());
            let (current, new, busy, error, done) =
                (current.clone(), new.clone(), busy.clone(), error.clone(), done.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match account::change_password(old_pw, new_pw).await {
                    Ok(()) => {
                        current.set(String::new());
                        new.set(String::new());
                        done.set(Some("Password changed. Your other sessions were logged out.".to_owned()));
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        })
    };
    html! {
        <form class="card profile-section" data-testid="password-form" {onsubmit}>
            <h2>{ "Password" }</h2>
            <label>{ "Current password" }
                <input data-testid="password-current" type="password" autocomplete="current-password" required=true
                    value={(*current).clone()} oninput={bind(&current)} />
            </label>
            <label>{ "New password" }
                <input data-testid="password-new" type="password" autocomplete="new-password" required=true
                    value={(*new).clone()} oninput={bind(&new)} />
            </label>
            { outcome(&error, &done, "password-changed") }
            <button type="submit" class="btn btn-primary" data-testid="password-save" disabled={*busy}>
                { "Change password" }
            </button>
        </form>
    }
}

/// Personal access tokens: list, create (secret shown once), revoke.
#[function_component(TokensSection)]
fn tokens_section() -> Html {
    let tokens = use_state(Vec::<AccessToken>::new);
    let name = use_state(String::new);
    let days = use_state(String::new);
    let password = use_state(String::new);
    let secret = use_state(|| None::<String>);
    let copied = use_state(|| false);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let reload = {
        let (tokens, error) = (tokens.clone(), error.clone());
        Callback::from(move |_: ()| {
            let (tokens, error) = (tokens.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match account::access_tokens().await {
                    Ok(list) => tokens.set(list),
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((), move |_| reload.emit(()));
    }
    let oncreate = {
        let (name, days, password, secret, copied, error, busy, reload) = (
            name.clone(),
            days.clone(),
            password.clone(),
            secret.clone(),
            copied.clone(),
            error.clone(),
            busy.clone(),
            reload.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let expires = match days.trim() {
                "" => None,
                d => match d.parse::<i64>() {
                    Ok(n) if n > 0 => Some(n),
                    _ => {
                        error.set(Some("Expiry must be a whole number of days.".to_owned()));
                        return;
                    }
                },
            };
            busy.set(true);
            error.set(None);
            let (token_name, current) = (name.trim().to_owned(), (*password).clone());
            let (name, password, secret, copied, error, busy, reload) = (
                name.clone(),
                password.clone(),
                secret.clone(),
                copied.clone(),
                error.clone(),
                busy.clone(),
                reload.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                match account::create_access_token(token_name, expires, current).await {
                    Ok((_, value)) => {
                        name.set(String::new());
                        password.set(String::new());
                        copied.set(false);
                        secret.set(Some(value));
                        reload.emit(());
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        })
    };
    let items = tokens.iter().map(|t| {
        let onrevoke = {
            let (id, error, reload) = (t.id.clone(), error.clone(), reload.clone());
            Callback::from(move |_: MouseEvent| {
                let (id, error, reload) = (id.clone(), error.clone(), reload.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    match account::revoke_access_token(id).await {
                        Ok(()) => reload.emit(()),
                        Err(e) => error.set(Some(e.to_string())),
                    }
                });
            })
        };
        let day = |s: &str| s.chars().take(10).collect::<String>();
        html! {
            <li class="token" data-testid="token-item" data-token-id={t.id.clone()}>
                <span class="token-name" data-testid="token-name">{ t.name.clone() }</span>
                <span class="muted">{ format!("created {}", day(&t.created_at)) }</span>
                <span class="muted">
                    { t.last_used_at.as_deref().map_or("never used".to_owned(), |d| format!("last used {}", day(d))) }
                </span>
                if let Some(expires) = &t.expires_at {
                    <span class="muted">{ format!("expires {}", day(expires)) }</span>
                }
                <button type="button" class="btn btn-small btn-danger" data-testid="token-revoke" onclick={onrevoke}>
                    { "Revoke" }
                </button>
            </li>
        }
    });
    let shown = (*secret).clone().map(|value| {
        let oncopy = {
            let (value, copied) = (value.clone(), copied.clone());
            Callback::from(move |_: MouseEvent| {
                copy_to_clipboard(&value);
                copied.set(true);
            })
        };
        let ondismiss = {
            let secret = secret.clone();
            Callback::from(move |_: MouseEvent| secret.set(None))
        };
        html! {
            <div class="token-secret" role="status">
                <p>{ "Copy this token now: it will not be shown again." }</p>
                <code data-testid="token-secret">{ value }</code>
                <button type="button" class="btn btn-small" data-testid="token-copy" onclick={oncopy}>
                    { if *copied { "Copied" } else { "Copy" } }
                </button>
                <button type="button" class="btn btn-small btn-quiet" data-testid="token-secret-dismiss"
                    onclick={ondismiss}>{ "Done" }</button>
            </div>
        }
    });
    html! {
        <section class="card profile-section" data-testid="tokens-section">
            <h2>{ "Personal access tokens" }</h2>
            <p class="muted">{ "For integrations: send one as “Authorization: Bearer …”." }</p>
            <form class="token-form" onsubmit={oncreate}>
                <input data-testid="token-name-input" aria-label="Token name" placeholder="Name, e.g. CI bot"
                    required=true value={(*name).clone()} oninput={bind(&name)} />
                <input data-testid="token-days-input" aria-label="Expires in days" placeholder="Days (optional)"
                    inputmode="numeric" value={(*days).clone()} oninput={bind(&days)} />
                <input data-testid="token-password-input" aria-label="Current password" placeholder="Current password"
                    type="password" autocomplete="current-password" required=true value={(*password).clone()} oninput={bind(&password)} />
                <button type="submit" class="btn btn-primary" data-testid="token-create" disabled={*busy}>
                    { "Create token" }
                </button>
            </form>
            { for shown }
            <FormError error={(*error).clone()} />
            if tokens.is_empty() {
                <p class="muted" data-testid="token-empty">{ "No tokens yet." }</p>
            }
            <ul class="tokens" data-testid="token-list" data-count={tokens.len().to_string()}>{ for items }</ul>
        </section>
    }
}

/// Delete the account after a password confirmation.
#[function_component(DeleteAccountSection)]
fn delete_account_section() -> Html {
    let session = use_session();
    let navigator = use_navigator();
    let password = use_state(String::new);
    let confirming = use_state(|| false);
    let busy = use_state(|| false);
    let error = use_state(|| None::<String>);
    let onask = {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| confirming.set(true))
    };
    let onsubmit = {
        let (password, busy, error) = (password.clone(), busy.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            busy.set(true);
            error.set(None);
            let value = (*password).clone();
            let (busy, error, session, navigator) =
                (busy.clone(), error.clone(), session.clone(), navigator.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match account::delete_account(value).await {
                    Ok(()) => {
                        // The sessions died with the account: only local state is left to clear.
                        auth::clear();
                        if let Some(session) = session {
                            session.dispatch(SessionAction::LoggedOut);
                        }
                        if let Some(navigator) = navigator {
                            navigator.push(&Route::Login);
                        }
                    }
                    Err(e) => {
                        error.set(Some(e.to_string()));
                        busy.set(false);
                    }
                }
            });
        })
    };
    html! {
        <section class="card profile-section danger-zone" data-testid="delete-account-section">
            <h2>{ "Delete account" }</h2>
            if *confirming {
                <form {onsubmit}>
                    <p>{ "This cannot be undone. Enter your password to confirm." }</p>
                    <label>{ "Password" }
                        <input data-testid="delete-account-password" type="password" required=true
                            autocomplete="current-password" value={(*password).clone()} oninput={bind(&password)} />
                    </label>
                    <FormError error={(*error).clone()} />
                    <button type="submit" class="btn btn-danger" data-testid="delete-account-confirm" disabled={*busy}>
                        { "Delete my account" }
                    </button>
                </form>
            } else {
                <button type="button" class="btn btn-danger" data-testid="delete-account" onclick={onask}>
                    { "Delete account…" }
                </button>
            }
        </section>
    }
}

/// `/profile`.
#[function_component(ProfilePage)]
pub fn profile_page() -> Html {
    html! {
        <div class="page profile-page" data-testid="profile-page">
            <h1>{ "Your account" }</h1>
            <super::avatar_section::AvatarSection />
            <ProfileForm />
            <PasswordForm />
            <TokensSection />
            <DeleteAccountSection />
        </div>
    }
}
