//! Inline audio (voice notes and audio files): play/pause, the waveform as bars that
//! fill as it plays, click on the waveform to seek, and the time against the length.

use web_sys::{Element, HtmlMediaElement};
use yew::prelude::*;

use crate::state::media::{format_duration, waveform_bars};
use crate::state::Attachment;

/// How many bars the waveform is drawn with.
const BARS: usize = 48;

/// Props of [`AudioPlayer`].
#[derive(Properties, PartialEq)]
pub struct AudioPlayerProps {
    /// The audio attachment.
    pub attachment: Attachment,
    /// The file failed to load (e.g. its URL expired).
    #[prop_or_default]
    pub on_error: Callback<()>,
}

/// Length in seconds: the element's once known, else the server's measure.
fn duration_s(audio: Option<&HtmlMediaElement>, attachment: &Attachment) -> f64 {
    audio
        .map(HtmlMediaElement::duration)
        .filter(|d| d.is_finite() && *d > 0.0)
        .unwrap_or_else(|| attachment.duration_ms.unwrap_or(0) as f64 / 1000.0)
}

/// `audio-player` with `audio-play`, `audio-waveform` (click to seek) and `audio-time`.
#[function_component(AudioPlayer)]
pub fn audio_player(props: &AudioPlayerProps) -> Html {
    let audio_ref = use_node_ref();
    // Not `current_target()`: with Yew's event delegation that is the app's root.
    let wave_ref = use_node_ref();
    let playing = use_state(|| false);
    let position = use_state(|| 0.0f64);
    let duration = use_state(|| props.attachment.duration_ms.unwrap_or(0) as f64 / 1000.0);
    let a = &props.attachment;

    let ontoggle = {
        let audio_ref = audio_ref.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(audio) = audio_ref.cast::<HtmlMediaElement>() else { return };
            if audio.paused() {
                let _ = audio.play();
            } else {
                let _ = audio.pause();
            }
        })
    };
    let sync = {
        let (audio_ref, position, duration, a) =
            (audio_ref.clone(), position.clone(), duration.clone(), a.clone());
        Callback::from(move |_: Event| {
            let audio = audio_ref.cast::<HtmlMediaElement>();
            if let Some(audio) = &audio {
                position.set(audio.current_time());
            }
            duration.set(duration_s(audio.as_ref(), &a));
        })
    };
    let onplay = {
        let playing = playing.clone();
        Callback::from(move |_: Event| playing.set(true))
    };
    let onpause = {
        let playing = playing.clone();
        Callback::from(move |_: Event| playing.set(false))
    };
    let onseek = {
        let (audio_ref, wave_ref, position, a) =
            (audio_ref.clone(), wave_ref.clone(), position.clone(), a.clone());
        Callback::from(move |e: MouseEvent| {
            let Some(audio) = audio_ref.cast::<HtmlMediaElement>() else { return };
            let Some(bar) = wave_ref.cast::<Element>() else { return };
            let rect = bar.get_bounding_client_rect();
            if rect.width() <= 0.0 {
                return;
            }
            let fraction = ((f64::from(e.client_x()) - rect.left()) / rect.width()).clamp(0.0, 1.0);
            let to = fraction * duration_s(Some(&audio), &a);
            audio.set_current_time(to);
            position.set(to);
        })
    };
    let onerror = {
        let on_error = props.on_error.clone();
        Callback::from(move |_: Event| on_error.emit(()))
    };

    let played = if *duration > 0.0 { (*position / *duration).clamp(0.0, 1.0) } else { 0.0 };
    let bars = waveform_bars(&a.waveform, BARS).into_iter().enumerate().map(|(i, h)| {
        let done = (i as f64 + 0.5) / BARS as f64 <= played;
        html! { <span class={classes!("bar", done.then_some("played"))} style={format!("height: {:.0}%", h * 100.0)}></span> }
    });
    let time = format!(
        "{} / {}",
        format_duration((*position * 1000.0) as i64),
        format_duration((*duration * 1000.0) as i64)
    );
    let label = if *playing { "Pause" } else { "Play" };
    html! {
        <div class={classes!("audio-player", a.voice.then_some("voice"))} data-testid="audio-player"
            data-voice={a.voice.to_string()} data-playing={playing.to_string()}>
            <audio ref={audio_ref} src={a.url.clone()} preload="metadata" data-testid="audio-element"
                ontimeupdate={sync.clone()} onloadedmetadata={sync.clone()} onseeked={sync.clone()}
                onended={onpause.clone()} {onplay} {onpause} {onerror} />
            <button type="button" class="btn btn-icon play" data-testid="audio-play" aria-label={label}
                title={label} onclick={ontoggle}>{ if *playing { super::icons::pause() } else { super::icons::play() } }</button>
            <div class="waveform" ref={wave_ref} data-testid="audio-waveform" role="slider" aria-label="Seek"
                aria-valuemin="0" aria-valuemax="100" aria-valuenow={format!("{:.0}", played * 100.0)}
                onclick={onseek}>{ for bars }</div>
            <span class="audio-time muted" data-testid="audio-time">{ time }</span>
        </div>
    }
}
