//! Long-press on touch screens: holding a finger on an element for
//! [`LONG_PRESS_MS`] opens its menu (the message action bar), as mobile chat apps do.
//! A tap elsewhere closes it again.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::events::{EventListener, EventListenerOptions};
use gloo::timers::callback::Timeout;
use wasm_bindgen::JsCast;
use web_sys::{Element, Node, PointerEvent};
use yew::prelude::*;

/// How long a touch must be held (ms).
pub const LONG_PRESS_MS: u32 = 500;
/// Movement (px) that turns a hold into a scroll.
const MOVE_TOLERANCE: i32 = 10;

/// Whether the element behind `node` was long-pressed (and not dismissed since).
#[hook]
pub fn use_long_press(node: NodeRef) -> UseStateHandle<bool> {
    let open = use_state(|| false);
    {
        let open = open.clone();
        use_effect_with(node.clone(), move |node| {
            let element = node.cast::<Element>();
            let timer: Rc<RefCell<Option<Timeout>>> = Rc::default();
            let origin: Rc<RefCell<(i32, i32)>> = Rc::default();
            let mut listeners = Vec::new();
            if let Some(el) = element {
                let (t, o, opener) = (timer.clone(), origin.clone(), open.clone());
                listeners.push(EventListener::new(&el, "pointerdown", move |e| {
                    let Some(e) = e.dyn_ref::<PointerEvent>() else { return };
                    if e.pointer_type() != "touch" {
                        return;
                    }
                    *o.borrow_mut() = (e.client_x(), e.client_y());
                    let opener = opener.clone();
                    *t.borrow_mut() = Some(Timeout::new(LONG_PRESS_MS, move || opener.set(true)));
                }));
                for cancel in ["pointerup", "pointercancel", "pointerleave"] {
                    let t = timer.clone();
                    listeners.push(EventListener::new(&el, cancel, move |_| drop(t.borrow_mut().take())));
                }
                let (t, o) = (timer.clone(), origin.clone());
                listeners.push(EventListener::new(&el, "pointermove", move |e| {
                    let Some(e) = e.dyn_ref::<PointerEvent>() else { return };
                    let (x, y) = *o.borrow();
                    if (e.client_x() - x).abs() > MOVE_TOLERANCE || (e.client_y() - y).abs() > MOVE_TOLERANCE
                    {
                        drop(t.borrow_mut().take());
                    }
                }));
                // The browser's own long-press menu would cover ours.
                let options = EventListenerOptions::enable_prevent_default();
                let open = open.clone();
                listeners.push(EventListener::new_with_options(&el, "contextmenu", options, move |e| {
                    let touch = e.dyn_ref::<PointerEvent>().is_some_and(|p| p.pointer_type() == "touch");
                    if touch {
                        e.prevent_default();
                        open.set(true);
                    }
                }));
            }
            move || {
                drop(timer.borrow_mut().take());
                drop(listeners);
            }
        });
    }
    // While open, a press outside the element closes it.
    {
        let (open_now, open) = (*open, open.clone());
        use_effect_with(open_now, move |open_now| {
            let document = web_sys::window().and_then(|w| w.document());
            let listener = (*open_now).then_some(document).flatten().map(|d| {
                EventListener::new(&d, "pointerdown", move |e| {
                    let target = e.target().and_then(|t| t.dyn_into::<Node>().ok());
                    let inside = node.cast::<Node>().is_some_and(|n| n.contains(target.as_ref()));
                    if !inside {
                        open.set(false);
                    }
                })
            });
            move || drop(listener)
        });
    }
    open
}
