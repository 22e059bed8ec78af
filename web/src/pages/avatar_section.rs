//! The profile page's avatar: the current one (or initials), a picked image previewed
//! before saving, Save (createUpload AVATAR → PUT → updateProfile avatarId) and Remove.

use std::rc::Rc;

use web_sys::{File, HtmlInputElement};
use yew::prelude::*;

use crate::api::media::{self, Purpose};
use crate::api::{account, upload, ApiError};
use crate::components::{Avatar, FormError};
use crate::hooks::use_session;
use crate::state::session::SessionAction;
use crate::state::UserRef;

/// Uploads `file` as an avatar and makes it the viewer's.
async fn save(file: File, on_progress: impl Fn(f64) + 'static) -> Result<account::Profile, ApiError> {
    let (_, url) = media::create_upload(Purpose::Avatar, file.name(), file.size() as i64, None).await?;
    let (request, rx) = upload::put(&url, &file, on_progress)?;
    let stored = upload::answer(rx).await;
    drop(request);
    media::set_avatar(Some(stored?.id)).await
}

/// `avatar-section`: `avatar-file`, `avatar-save`, `avatar-remove`.
#[function_component(AvatarSection)]
pub fn avatar_section() -> Html {
    let session = use_session();
    let user = use_state(|| None::<UserRef>);
    let picked = use_state(|| None::<(Rc<File>, String)>);
    let progress = use_state(|| None::<f64>);
    let error = use_state(|| None::<String>);
    let done = use_state(|| None::<String>);
    {
        let (user, error) = (user.clone(), error.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match account::profile().await {
                    Ok(p) => user.set(Some(p.user)),
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        });
    }
    // The stored profile: shown here and in the session (the header, own messages).
    let saved = {
        let (user, session, picked, done) = (user.clone(), session.clone(), picked.clone(), done.clone());
        Callback::from(move |(p, message): (account::Profile, &'static str)| {
            if let Some(session) = &session {
                session.dispatch(SessionAction::LoggedIn(p.user.clone()));
            }
            user.set(Some(p.user));
            picked.set(None);
            done.set(Some(message.to_owned()));
        })
    };
    let onpick = {
        let (picked, error, done) = (picked.clone(), error.clone(), done.clone());
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<HtmlInputElement>();
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            let preview = web_sys::Url::create_object_url_with_blob(&file).unwrap_or_default();
            error.set(None);
            done.set(None);
            picked.set(Some((Rc::new(file), preview)));
            input.set_value("");
        })
    };
    let onsave = {
        let (picked, progress, error, saved) =
            (picked.clone(), progress.clone(), error.clone(), saved.clone());
        Callback::from(move |_: MouseEvent| {
            let Some((file, _)) = (*picked).clone() else { return };
            progress.set(Some(0.0));
            error.set(None);
            let (progress, error, saved) = (progress.clone(), error.clone(), saved.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let bar = progress.clone();
                match save((*file).clone(), move |f| bar.set(Some(f))).await {
                    Ok(p) => saved.emit((p, "Avatar saved.")),
                    Err(e) => error.set(Some(e.to_string())),
                }
                progress.set(None);
            });
        })
    };
    let onremove = {
        let (progress, error, saved) = (progress.clone(), error.clone(), saved.clone());
        Callback::from(move |_: MouseEvent| {
            progress.set(Some(0.0));
            let (progress, error, saved) = (progress.clone(), error.clone(), saved.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match media::set_avatar(None).await {
                    Ok(p) => saved.emit((p, "Avatar removed.")),
                    Err(e) => error.set(Some(e.to_string())),
                }
                progress.set(None);
            });
        })
    };
    let oncancel = {
        let picked = picked.clone();
        Callback::from(move |_: MouseEvent| picked.set(None))
    };
    let busy = progress.is_some();
    let Some(current) = (*user).clone() else {
        return html! { <section class="card profile-section" data-testid="avatar-section"><FormError error={(*error).clone()} /></section> };
    };
    let preview = (*picked).as_ref().map(|(_, url)| AttrValue::from(url.clone()));
    let has_avatar = current.avatar_url.is_some();
    html! {
        <section class="card profile-section avatar-section" data-testid="avatar-section">
            <h2>{ "Avatar" }</h2>
            <div class="avatar-editor">
                <Avatar user={current} size={96} src={preview.clone()} />
                <div class="avatar-actions">
                    <label class="btn btn-small">{ "Choose image…" }
                        <input type="file" class="visually-hidden" data-testid="avatar-file"
                            accept="image/png,image/jpeg,image/gif,image/webp" onchange={onpick} disabled={busy} />
                    </label>
                    if preview.is_some() {
                        <button type="button" class="btn btn-small btn-primary" data-testid="avatar-save"
                            onclick={onsave} disabled={busy}>{ "Save avatar" }</button>
                        <button type="button" class="btn btn-small btn-quiet" data-testid="avatar-cancel"
                            onclick={oncancel} disabled={busy}>{ "Cancel" }</button>
                    } else if has_avatar {
                        <button type="button" class="btn btn-small btn-danger" data-testid="avatar-remove"
                            onclick={onremove} disabled={busy}>{ "Remove" }</button>
                    }
                </div>
            </div>
            if let Some(p) = *progress {
                <progress data-testid="avatar-progress" max="100" value={format!("{:.0}", p * 100.0)}></progress>
            }
            <FormError error={(*error).clone()} />
            if let Some(done) = (*done).clone() {
                <p class="notice" role="status" data-testid="avatar-saved">{ done }</p>
            }
        </section>
    }
}
