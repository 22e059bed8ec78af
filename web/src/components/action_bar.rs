//! A message's action bar, shown on hover, focus or long-press: quick reactions, a
//! "more" button with the emoji picker, and reply, edit, pin and delete where the
//! viewer may.

use yew::prelude::*;

use super::emoji_picker::EmojiPicker;
use super::QUICK_REACTIONS;

/// Props of [`ActionBar`].
#[derive(Properties, PartialEq)]
pub struct ActionBarProps {
    /// The viewer wrote the message (may edit it).
    pub own: bool,
    /// The viewer may delete it (own message or moderator).
    pub may_delete: bool,
    /// The viewer may pin and unpin.
    pub may_pin: bool,
    /// The message is pinned.
    pub pinned: bool,
    /// Emoji the viewer has reacted with already (a quick reaction then removes it).
    pub reacted: Vec<String>,
    /// Whether the emoji picker is open.
    pub picker_open: bool,
    /// Toggle a reaction: (emoji, whether to add it).
    pub on_react: Callback<(String, bool)>,
    /// Open or close the emoji picker.
    pub on_toggle_picker: Callback<bool>,
    /// Start a reply.
    pub on_reply: Callback<()>,
    /// Start editing.
    pub on_edit: Callback<()>,
    /// Ask to delete.
    pub on_delete: Callback<()>,
    /// Pin or unpin.
    pub on_pin: Callback<()>,
}

/// `data-testid="action-bar"`; the buttons keep the `message-*` test ids.
#[function_component(ActionBar)]
pub fn action_bar(props: &ActionBarProps) -> Html {
    let click = |cb: &Callback<()>| {
        let cb = cb.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let quick = QUICK_REACTIONS.iter().map(|emoji| {
        let mine = props.reacted.iter().any(|r| r == emoji);
        let onclick = {
            let (on_react, emoji) = (props.on_react.clone(), (*emoji).to_owned());
            Callback::from(move |_: MouseEvent| on_react.emit((emoji.clone(), !mine)))
        };
        let label = if mine { format!("Remove {emoji} reaction") } else { format!("React with {emoji}") };
        html! {
            <button type="button" class={classes!("reaction-option", mine.then_some("mine"))}
                data-testid="reaction-option" data-emoji={*emoji} title={label.clone()} aria-label={label}
                aria-pressed={mine.to_string()} {onclick}>{ *emoji }</button>
        }
    });
    let toggle_picker = {
        let (cb, open) = (props.on_toggle_picker.clone(), props.picker_open);
        Callback::from(move |_: MouseEvent| cb.emit(!open))
    };
    let on_pick = {
        let (on_react, reacted) = (props.on_react.clone(), props.reacted.clone());
        Callback::from(move |emoji: String| {
            let mine = reacted.contains(&emoji);
            on_react.emit((emoji, !mine));
        })
    };
    let on_close = {
        let cb = props.on_toggle_picker.clone();
        Callback::from(move |_: ()| cb.emit(false))
    };
    html! {
        <div class="action-bar" data-testid="action-bar" role="toolbar" aria-label="Message actions">
            <div class="reaction-picker" data-testid="reaction-picker" role="group" aria-label="Quick reactions">
                { for quick }
            </div>
            <div class="message-actions" data-testid="message-actions">
                <button type="button" class="btn btn-small btn-quiet" data-testid="message-react"
                    title="More reactions" aria-label="More reactions" aria-haspopup="dialog"
                    aria-expanded={props.picker_open.to_string()} onclick={toggle_picker}>{ "☺+" }</button>
                <button type="button" class="btn btn-small btn-quiet" data-testid="message-reply"
                    aria-label="Reply" title="Reply" onclick={click(&props.on_reply)}>{ "↩" }<span class="label">{ " Reply" }</span></button>
                if props.own {
                    <button type="button" class="btn btn-small btn-quiet" data-testid="message-edit"
                        aria-label="Edit" title="Edit" onclick={click(&props.on_edit)}>{ "✎" }<span class="label">{ " Edit" }</span></button>
                }
                if props.may_pin {
                    if props.pinned {
                        <button type="button" class="btn btn-small btn-quiet" data-testid="message-unpin"
                            aria-label="Unpin" title="Unpin" onclick={click(&props.on_pin)}>{ "📌" }<span class="label">{ " Unpin" }</span></button>
                    } else {
                        <button type="button" class="btn btn-small btn-quiet" data-testid="message-pin"
                            aria-label="Pin" title="Pin" onclick={click(&props.on_pin)}>{ "📌" }<span class="label">{ " Pin" }</span></button>
                    }
                }
                if props.may_delete {
                    <button type="button" class="btn btn-small btn-quiet" data-testid="message-delete"
                        aria-label="Delete" title="Delete" onclick={click(&props.on_delete)}>{ "🗑" }<span class="label">{ " Delete" }</span></button>
                }
            </div>
            if props.picker_open {
                <EmojiPicker {on_pick} {on_close} />
            }
        </div>
    }
}
