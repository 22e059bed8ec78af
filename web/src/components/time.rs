//! Message times in the browser's zone: the relative label with the exact date and
//! time as tooltip, and a clock the timeline re-renders by.

use gloo::timers::callback::Interval;
use yew::prelude::*;

use crate::state::dates::{full_date_time, relative_time};
use crate::state::time::parse_rfc3339_millis;

/// How often relative times ("5 min") are refreshed.
const TICK_MS: u32 = 30_000;

/// Local milliseconds (UTC plus the zone offset at that instant) of UTC millis.
pub fn to_local(utc_ms: i64) -> i64 {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(utc_ms as f64));
    utc_ms - (date.get_timezone_offset() * 60_000.0) as i64
}

/// Local milliseconds of an RFC 3339 timestamp.
pub fn local_ms(rfc3339: &str) -> Option<i64> {
    parse_rfc3339_millis(rfc3339).map(to_local)
}

/// Local milliseconds now.
pub fn local_now() -> i64 {
    to_local(js_sys::Date::now() as i64)
}

/// The local time now, refreshed every [`TICK_MS`] so relative labels age.
#[hook]
pub fn use_local_now() -> i64 {
    let now = use_state(local_now);
    {
        let now = now.clone();
        use_effect_with((), move |_| {
            let interval = Interval::new(TICK_MS, move || now.set(local_now()));
            move || drop(interval)
        });
    }
    *now
}

/// Props of [`MessageTime`].
#[derive(Properties, PartialEq)]
pub struct MessageTimeProps {
    /// RFC 3339 timestamp.
    pub at: String,
    /// Local milliseconds now.
    pub now: i64,
}

/// `<time datetime=…>` with the relative label and the full date as tooltip.
#[function_component(MessageTime)]
pub fn message_time(props: &MessageTimeProps) -> Html {
    let local = local_ms(&props.at);
    let label = local.map(|t| relative_time(t, props.now)).unwrap_or_default();
    let title = local.map(full_date_time);
    html! { <time class="msg-time" datetime={props.at.clone()} {title} data-testid="message-time">{ label }</time> }
}
