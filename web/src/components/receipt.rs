//! The read receipt under the viewer's newest message: "Sent", "Delivered", "Seen by
//! Ann" or "Seen by 3", a button whose popover lists who has read it.

use yew::prelude::*;

use crate::state::Message;

/// Props of [`ReceiptLine`].
#[derive(Properties, PartialEq)]
pub struct ReceiptLineProps {
    /// The viewer's own confirmed message.
    pub message: Message,
}

/// Receipt button (`data-testid="message-seen"`) with a popover of readers.
#[function_component(ReceiptLine)]
pub fn receipt_line(props: &ReceiptLineProps) -> Html {
    let open = use_state(|| false);
    let m = &props.message;
    let readers =
        m.seen_by.iter().map(|u| html! { <li data-testid="receipt-reader">{ u.display_name.clone() }</li> });
    let popover_id = format!("readers-{}", m.key());
    let onclick = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let onkeydown = {
        let open = open.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" && *open {
                e.stop_propagation();
                open.set(false);
            }
        })
    };
    let onfocusout = {
        let open = open.clone();
        Callback::from(move |_: FocusEvent| open.set(false))
    };
    let names: Vec<&str> = m.seen_by.iter().map(|u| u.display_name.as_str()).collect();
    let title = (!names.is_empty()).then(|| format!("Seen by {}", names.join(", ")));
    let has_readers = !m.seen_by.is_empty();
    html! {
        <div class="receipt" data-testid="receipt" {onkeydown}>
            <button type="button" class="receipt-button status seen" data-testid="message-seen"
                data-seen-count={m.seen_by.len().to_string()} data-receipt={m.receipt().as_str()}
                aria-expanded={(*open && has_readers).to_string()} aria-controls={popover_id.clone()}
                disabled={!has_readers} {title} {onclick} onblur={onfocusout}>
                { m.receipt_label() }
            </button>
            if *open && has_readers {
                <ul class="receipt-readers" id={popover_id} data-testid="receipt-readers" role="list"
                    aria-label="Seen by">
                    { for readers }
                </ul>
            }
        </div>
    }
}
