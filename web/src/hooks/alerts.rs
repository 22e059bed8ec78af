//! Attention grabbers: a short beep (Web Audio, no sound file) and browser desktop
//! notifications while the tab is hidden.

use std::cell::{Cell, RefCell};

use web_sys::{AudioContext, Notification, NotificationOptions, NotificationPermission, OscillatorType};

/// Minimum time between two beeps.
const BEEP_GAP_MS: f64 = 1_000.0;

thread_local! {
    static AUDIO: RefCell<Option<AudioContext>> = const { RefCell::new(None) };
    static LAST_BEEP: Cell<f64> = const { Cell::new(f64::NEG_INFINITY) };
}

/// Plays a short, quiet beep (at most one per second).
pub fn beep() {
    let now = js_sys::Date::now();
    if now - LAST_BEEP.with(Cell::get) < BEEP_GAP_MS {
        return;
    }
    LAST_BEEP.with(|c| c.set(now));
    AUDIO.with(|audio| {
        let mut audio = audio.borrow_mut();
        if audio.is_none() {
            *audio = AudioContext::new().ok();
        }
        if let Some(ctx) = audio.as_ref() {
            if play(ctx).is_err() {
                gloo::console::warn!("beep failed");
            }
        }
    });
}

fn play(ctx: &AudioContext) -> Result<(), wasm_bindgen::JsValue> {
    let _ = ctx.resume();
    let osc = ctx.create_oscillator()?;
    osc.set_type(OscillatorType::Sine);
    osc.frequency().set_value(880.0);
    let gain = ctx.create_gain()?;
    gain.gain().set_value(0.08);
    osc.connect_with_audio_node(&gain)?;
    gain.connect_with_audio_node(&ctx.destination())?;
    let start = ctx.current_time();
    osc.start_with_when(start)?;
    osc.stop_with_when(start + 0.15)?;
    Ok(())
}

/// Whether the tab is hidden.
pub fn page_hidden() -> bool {
    web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden())
}

/// Whether the browser has the Notification API (calling it otherwise would throw).
fn notifications_supported() -> bool {
    web_sys::window().is_some_and(|w| js_sys::Reflect::has(&w, &"Notification".into()).unwrap_or(false))
}

/// Asks for permission to show desktop notifications (once; needs a user gesture).
pub fn ask_notification_permission() {
    if notifications_supported() && Notification::permission() == NotificationPermission::Default {
        let _ = Notification::request_permission();
    }
}

/// Shows a desktop notification if the tab is hidden and the user allowed them.
pub fn desktop_notify(title: &str, body: &str) {
    if !page_hidden()
        || !notifications_supported()
        || Notification::permission() != NotificationPermission::Granted
    {
        return;
    }
    let options = NotificationOptions::new();
    options.set_body(body);
    options.set_tag("jeco-chat");
    let _ = Notification::new_with_options(title, &options);
}
