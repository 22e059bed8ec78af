//! A message's attachments: images as thumbnails in a box of the image's own aspect
//! ratio with the ThumbHash placeholder painted first (so the timeline never jumps),
//! opening a full-size viewer (Esc or a click closes it); audio with the waveform
//! player; video with the browser's controls; anything else as a card with a download
//! link. Media URLs expire after minutes: when one fails to load, the message is read
//! again once for fresh URLs (see [`refresh_message`]).

use std::cell::RefCell;
use std::collections::HashMap;

use gloo::events::EventListener;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData, KeyboardEvent};
use yew::prelude::*;

use super::audio_player::AudioPlayer;
use crate::api::media;
use crate::hooks::use_chat;
use crate::state::media::{fit, format_size, placeholder_average_css, placeholder_rgba};
use crate::state::{Attachment, AttachmentKind, ChatAction, ChatState};

/// Longest side of an inline image (CSS px).
const THUMB_MAX: f64 = 320.0;

thread_local! {
    /// Placeholders already drawn, by ThumbHash (they are tiny and repeat on re-render).
    static DRAWN: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
}

/// A CSS background for a ThumbHash: the decoded picture as a data URL drawn through a
/// canvas, or its average colour if drawing is not possible.
fn placeholder_css(hash: &str) -> Option<String> {
    if let Some(url) = DRAWN.with(|d| d.borrow().get(hash).cloned()) {
        return Some(url);
    }
    let drawn = placeholder_rgba(hash).and_then(|(w, h, rgba)| {
        let document = web_sys::window()?.document()?;
        let canvas: HtmlCanvasElement = document.create_element("canvas").ok()?.dyn_into().ok()?;
        canvas.set_width(w as u32);
        canvas.set_height(h as u32);
        let context: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
        let data = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&rgba), w as u32, h as u32).ok()?;
        context.put_image_data(&data, 0.0, 0.0).ok()?;
        Some(format!("center / cover no-repeat url(\"{}\")", canvas.to_data_url().ok()?))
    });
    let css = drawn.or_else(|| placeholder_average_css(hash))?;
    DRAWN.with(|d| d.borrow_mut().insert(hash.to_owned(), css.clone()));
    Some(css)
}

/// Reads a message again and stores it, for fresh signed URLs.
pub fn refresh_message(chat: Option<UseReducerDispatcher<ChatState>>, message_id: String) {
    wasm_bindgen_futures::spawn_local(async move {
        match media::message(message_id).await {
            Ok(Some(message)) => {
                if let Some(chat) = chat {
                    chat.dispatch(ChatAction::MessageUpdated(message));
                }
            }
            Ok(None) => {}
            Err(e) => gloo::console::warn!(format!("refreshing media URLs: {e}")),
        }
    });
}

/// Props of [`Attachments`].
#[derive(Properties, PartialEq)]
pub struct AttachmentsProps {
    /// The message's id (none while pending: its previews are local).
    pub message_id: Option<String>,
    /// The attachments.
    pub attachments: Vec<Attachment>,
}

/// `attachments`: one `attachment` per file (`data-kind`: image, audio, video, file).
#[function_component(Attachments)]
pub fn attachments(props: &AttachmentsProps) -> Html {
    let chat = use_chat().map(|c| c.dispatcher());
    let viewing = use_state(|| None::<Attachment>);
    // The URLs a refresh was asked for: one refresh per set of URLs, so URLs that
    // fail again after a refresh stay failed instead of looping.
    let refreshed_for = use_mut_ref(|| None::<String>);
    let on_error = {
        let id = props.message_id.clone();
        let urls: String = props.attachments.iter().map(|a| a.url.as_str()).collect::<Vec<_>>().join(" ");
        Callback::from(move |_: ()| {
            let Some(id) = id.clone() else { return };
            if refreshed_for.borrow().as_deref() != Some(urls.as_str()) {
                *refreshed_for.borrow_mut() = Some(urls.clone());
                refresh_message(chat.clone(), id);
            }
        })
    };
    if props.attachments.is_empty() {
        return html! {};
    }
    let items = props.attachments.iter().map(|a| {
        let body = match a.kind {
            // No URL yet (a pending send of audio, video or a file): a card without link.
            _ if a.url.is_empty() => file_card(a),
            AttachmentKind::Image => image(a, &viewing, &on_error),
            AttachmentKind::Audio => html! { <AudioPlayer attachment={a.clone()} on_error={on_error.clone()} /> },
            AttachmentKind::Video => {
                let onerror = on_error.reform(|_: Event| ());
                html! { <video class="attachment-video" src={a.url.clone()} controls=true preload="metadata" {onerror} /> }
            }
            AttachmentKind::File => file_card(a),
        };
        let kind = match a.kind {
            AttachmentKind::Image => "image",
            AttachmentKind::Audio => "audio",
            AttachmentKind::Video => "video",
            AttachmentKind::File => "file",
        };
        html! {
            <li class={classes!("attachment", kind)} data-testid="attachment" data-kind={kind}
                data-attachment-id={a.id.clone()} data-filename={a.filename.clone()}>{ body }</li>
        }
    });
    let viewer = (*viewing).clone().map(|a| {
        let viewing = viewing.clone();
        html! { <ImageViewer attachment={a} on_close={Callback::from(move |_| viewing.set(None))} /> }
    });
    html! {
        <>
            <ul class="attachments" data-testid="attachments">{ for items }</ul>
            { for viewer }
        </>
    }
}

/// An inline image: a box of the image's shape, the placeholder, then the thumbnail.
fn image(a: &Attachment, viewing: &UseStateHandle<Option<Attachment>>, on_error: &Callback<()>) -> Html {
    let (width, height) = fit(a.width.unwrap_or(4), a.height.unwrap_or(3), THUMB_MAX);
    let mut style = format!("width: {width}px; aspect-ratio: {width} / {height};");
    if let Some(css) = a.placeholder.as_deref().and_then(placeholder_css) {
        style.push_str(&format!(" background: {css};"));
    }
    let onclick = {
        let (viewing, a) = (viewing.clone(), a.clone());
        Callback::from(move |_: MouseEvent| viewing.set(Some(a.clone())))
    };
    let onerror = on_error.reform(|_: Event| ());
    let src = a.thumbnail_url.clone().unwrap_or_else(|| a.url.clone());
    html! {
        <button type="button" class="attachment-image" data-testid="attachment-image" {style}
            title={a.filename.clone()} aria-label={format!("Open {}", a.filename)} {onclick}>
            <img src={src} alt={a.filename.clone()} loading="lazy" data-testid="attachment-thumbnail"
                width={width.to_string()} height={height.to_string()} {onerror} />
        </button>
    }
}

/// A download card: name, size, link.
fn file_card(a: &Attachment) -> Html {
    html! {
        <div class="attachment-file" data-testid="attachment-file">
            <span class="file-icon">{ super::icons::file() }</span>
            <span class="file-info">
                <span class="file-name" title={a.filename.clone()}>{ a.filename.clone() }</span>
                <span class="file-size muted">{ format_size(a.byte_size) }</span>
            </span>
            if !a.url.is_empty() {
                <a class="btn btn-small" href={a.url.clone()} download={a.filename.clone()}
                    data-testid="attachment-download">{ "Download" }</a>
            }
        </div>
    }
}

/// Props of [`ImageViewer`].
#[derive(Properties, PartialEq)]
pub struct ImageViewerProps {
    /// The image.
    pub attachment: Attachment,
    /// Closes the viewer.
    pub on_close: Callback<()>,
}

/// Full-size image over the page; Esc or a click closes it.
#[function_component(ImageViewer)]
pub fn image_viewer(props: &ImageViewerProps) -> Html {
    {
        let on_close = props.on_close.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().and_then(|w| w.document()).map(|d| {
                EventListener::new(&d, "keydown", move |e| {
                    if e.dyn_ref::<KeyboardEvent>().is_some_and(|k| k.key() == "Escape") {
                        on_close.emit(());
                    }
                })
            });
            move || drop(listener)
        });
    }
    let onclick = props.on_close.reform(|_: MouseEvent| ());
    let a = &props.attachment;
    html! {
        <div class="image-viewer" data-testid="image-viewer" role="dialog" aria-modal="true"
            aria-label={a.filename.clone()} {onclick}>
            <img src={a.url.clone()} alt={a.filename.clone()} data-testid="image-viewer-img" />
            <span class="viewer-caption">{ format!("{} · {}", a.filename, format_size(a.byte_size)) }</span>
        </div>
    }
}
