//! The composer's upload chips: name, size, a progress bar while uploading, the error
//! when refused, and a button that cancels (or dismisses) the upload.

use yew::prelude::*;

use crate::state::media::format_size;
use crate::state::uploads::{UploadStatus, Uploads};

/// Props of [`UploadChips`].
#[derive(Properties, PartialEq)]
pub struct UploadChipsProps {
    /// The uploads.
    pub uploads: Uploads,
    /// Cancels or dismisses a chip by key.
    pub on_cancel: Callback<u32>,
}

/// One `upload-chip` per file (`data-state`: uploading, done or failed).
#[function_component(UploadChips)]
pub fn upload_chips(props: &UploadChipsProps) -> Html {
    if props.uploads.items.is_empty() {
        return html! {};
    }
    let chips = props.uploads.items.iter().map(|item| {
        let onclick = {
            let (on_cancel, key) = (props.on_cancel.clone(), item.key);
            Callback::from(move |_: MouseEvent| on_cancel.emit(key))
        };
        let (state, label) = match &item.status {
            UploadStatus::Uploading => ("uploading", "Cancel upload"),
            UploadStatus::Done => ("done", "Remove"),
            UploadStatus::Failed(_) => ("failed", "Dismiss"),
        };
        let percent = (item.progress * 100.0).round();
        html! {
            <li key={item.key} class={classes!("upload-chip", state)} data-testid="upload-chip"
                data-state={state} data-name={item.name.clone()}>
                if let Some(thumb) = item.attachment.thumbnail_url.clone() {
                    <img class="chip-thumb" src={thumb} alt="" />
                }
                <span class="chip-name" title={item.name.clone()}>{ item.name.clone() }</span>
                <span class="chip-size muted">{ format_size(item.size) }</span>
                if item.status == UploadStatus::Uploading {
                    <progress data-testid="upload-progress" max="100" value={percent.to_string()}
                        aria-label={format!("Uploading {}", item.name)}></progress>
                }
                if let UploadStatus::Failed(reason) = &item.status {
                    <span class="chip-error" role="alert" data-testid="upload-error">{ reason.clone() }</span>
                }
                <button type="button" class="btn btn-small btn-quiet" data-testid="upload-cancel"
                    aria-label={label} title={label} {onclick}>{ "✕" }</button>
            </li>
        }
    });
    html! { <ul class="upload-chips" data-testid="upload-chips">{ for chips }</ul> }
}
