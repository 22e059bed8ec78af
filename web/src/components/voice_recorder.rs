//! The voice-note button: records the microphone with MediaRecorder (WebM/Opus where
//! the browser has it, MP4/AAC where that is what it has, e.g. Safari), shows a timer
//! and a live level from an AnalyserNode, and hands back the recording with a waveform
//! made of the levels it sampled. Cancel throws the recording away.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::timers::callback::Interval;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AnalyserNode, AudioContext, Blob, BlobEvent, BlobPropertyBag, MediaRecorder, MediaRecorderOptions,
    MediaStream, MediaStreamConstraints, MediaStreamTrack,
};
use yew::prelude::*;

use crate::state::media::{format_duration, waveform_from_levels};

/// Container types to try, best first.
const MIME_TYPES: [&str; 4] = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4", "audio/webm"];
/// How often the level is sampled (ms).
const TICK_MS: u32 = 100;
/// Recordings stop (and are sent) after this long.
const MAX_MS: f64 = 5.0 * 60.0 * 1000.0;

/// A finished recording.
pub struct Recording {
    /// The audio.
    pub blob: Blob,
    /// File name with an extension matching the container.
    pub filename: String,
    /// Amplitudes 0..255 (at most 256).
    pub waveform: Vec<i64>,
    /// Length measured here (the server measures its own).
    pub duration_ms: i64,
}

/// Props of [`VoiceRecorder`].
#[derive(Properties, PartialEq)]
pub struct VoiceRecorderProps {
    /// Gets the recording when the user sends it.
    pub on_recorded: Callback<Recording>,
    /// Disables the button.
    #[prop_or_default]
    pub disabled: bool,
}

/// A recording in progress and everything that must be released with it.
struct Session {
    stream: MediaStream,
    recorder: MediaRecorder,
    context: AudioContext,
    analyser: AnalyserNode,
    mime: String,
    chunks: Rc<RefCell<Vec<Blob>>>,
    levels: Vec<f32>,
    started: f64,
    _ondata: Closure<dyn FnMut(BlobEvent)>,
    onstop: Option<Closure<dyn FnMut(web_sys::Event)>>,
    ticker: Option<Interval>,
}

impl Session {
    /// Stops the tracks and the analyser. The recorder's handlers are detached first:
    /// it still fires `dataavailable` and `stop` after `stop()`, when their closures
    /// may be gone.
    fn release(&mut self) {
        self.recorder.set_ondataavailable(None);
        self.recorder.set_onstop(None);
        self.ticker = None;
        for track in self.stream.get_tracks().iter() {
            if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                track.stop();
            }
        }
        let _ = self.context.close();
    }

    /// Level 0.0..=1.0 now: RMS of the time-domain signal, amplified for speech.
    fn level(&self) -> f32 {
        let mut buf = vec![0u8; self.analyser.fft_size() as usize];
        self.analyser.get_byte_time_domain_data(&mut buf);
        let sum: f32 = buf.iter().map(|&b| ((b as f32 - 128.0) / 128.0).powi(2)).sum();
        ((sum / buf.len().max(1) as f32).sqrt() * 3.0).min(1.0)
    }
}

/// The best container this browser records.
fn pick_mime() -> String {
    MIME_TYPES.iter().find(|m| MediaRecorder::is_type_supported(m)).map_or(String::new(), |m| (*m).to_owned())
}

fn extension(mime: &str) -> &'static str {
    if mime.starts_with("audio/mp4") {
        "m4a"
    } else if mime.starts_with("audio/ogg") {
        "ogg"
    } else {
        "webm"
    }
}

fn js_error(e: JsValue) -> String {
    let text = e.as_string().or_else(|| js_sys::Reflect::get(&e, &"message".into()).ok()?.as_string());
    format!("Cannot record: {}", text.unwrap_or_else(|| "the microphone is not available".to_owned()))
}

async fn start() -> Result<Session, JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let constraints = MediaStreamConstraints::new();
    constraints.set_audio(&JsValue::TRUE);
    let promise = window.navigator().media_devices()?.get_user_media_with_constraints(&constraints)?;
    let stream: MediaStream = JsFuture::from(promise).await?.dyn_into()?;
    let mime = pick_mime();
    let options = MediaRecorderOptions::new();
    if !mime.is_empty() {
        options.set_mime_type(&mime);
    }
    let recorder = MediaRecorder::new_with_media_stream_and_media_recorder_options(&stream, &options)?;
    let chunks = Rc::new(RefCell::new(Vec::new()));
    let ondata = {
        let chunks = chunks.clone();
        Closure::<dyn FnMut(BlobEvent)>::new(move |e: BlobEvent| {
            if let Some(data) = e.data().filter(|d| d.size() > 0.0) {
                chunks.borrow_mut().push(data);
            }
        })
    };
    recorder.set_ondataavailable(Some(ondata.as_ref().unchecked_ref()));
    let context = AudioContext::new()?;
    let analyser = context.create_analyser()?;
    analyser.set_fft_size(1024);
    context.create_media_stream_source(&stream)?.connect_with_audio_node(&analyser)?;
    recorder.start_with_time_slice(250)?;
    // What the recorder really chose (it may differ from what was asked).
    let mime = Some(recorder.mime_type()).filter(|m| !m.is_empty()).unwrap_or(mime);
    Ok(Session {
        stream,
        recorder,
        context,
        analyser,
        mime,
        chunks,
        levels: Vec::new(),
        started: js_sys::Date::now(),
        _ondata: ondata,
        onstop: None,
        ticker: None,
    })
}

/// Stops `session` and emits the recording once the recorder delivered its last data.
fn finish(session: Rc<RefCell<Option<Session>>>, on_recorded: Callback<Recording>) {
    let Some(s) = session.borrow_mut().as_mut().map(|s| {
        s.ticker = None;
        s.recorder.clone()
    }) else {
        return;
    };
    let onstop = {
        let session = session.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            let Some(mut s) = session.borrow_mut().take() else { return };
            s.release();
            // This closure is `s.onstop`: dropped once it has returned, not while it runs.
            let onstop = s.onstop.take();
            wasm_bindgen_futures::spawn_local(async move { drop(onstop) });
            let parts = js_sys::Array::new();
            for chunk in s.chunks.borrow().iter() {
                parts.push(chunk);
            }
            let bag = BlobPropertyBag::new();
            bag.set_type(s.mime.split(';').next().unwrap_or_default());
            let Ok(blob) = Blob::new_with_blob_sequence_and_options(&parts, &bag) else { return };
            let duration_ms = (js_sys::Date::now() - s.started) as i64;
            let filename = format!("voice-note.{}", extension(&s.mime));
            let waveform = waveform_from_levels(&s.levels);
            on_recorded.emit(Recording { blob, filename, waveform, duration_ms });
        })
    };
    s.set_onstop(Some(onstop.as_ref().unchecked_ref()));
    if let Some(s) = session.borrow_mut().as_mut() {
        s.onstop = Some(onstop);
    }
    let _ = s.stop();
}

/// Mic button; while recording: timer (`voice-timer`), level (`voice-level`), Cancel, Send.
#[function_component(VoiceRecorder)]
pub fn voice_recorder(props: &VoiceRecorderProps) -> Html {
    let session = use_mut_ref(|| None::<Session>);
    let recording = use_state(|| false);
    let elapsed = use_state(|| 0i64);
    let level = use_state(|| 0.0f32);
    let error = use_state(|| None::<String>);
    // Leaving the page stops the microphone.
    {
        let session = session.clone();
        use_effect_with((), move |_| {
            move || {
                if let Some(mut s) = session.borrow_mut().take() {
                    let _ = s.recorder.stop();
                    s.release();
                }
            }
        });
    }
    let send = {
        let (session, recording, on_recorded) =
            (session.clone(), recording.clone(), props.on_recorded.clone());
        Callback::from(move |_: ()| {
            recording.set(false);
            finish(session.clone(), on_recorded.clone());
        })
    };
    let onstart = {
        let (session, recording, elapsed, level, error, send) =
            (session.clone(), recording.clone(), elapsed.clone(), level.clone(), error.clone(), send.clone());
        Callback::from(move |_: MouseEvent| {
            if session.borrow().is_some() {
                return;
            }
            error.set(None);
            let (session, recording, elapsed, level, error, send) = (
                session.clone(),
                recording.clone(),
                elapsed.clone(),
                level.clone(),
                error.clone(),
                send.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                let mut s = match start().await {
                    Ok(s) => s,
                    Err(e) => return error.set(Some(js_error(e))),
                };
                let tick = {
                    let session = session.clone();
                    Interval::new(TICK_MS, move || {
                        let mut guard = session.borrow_mut();
                        let Some(s) = guard.as_mut() else { return };
                        let now = s.level();
                        s.levels.push(now);
                        let ms = js_sys::Date::now() - s.started;
                        drop(guard);
                        level.set(now);
                        elapsed.set(ms as i64);
                        if ms >= MAX_MS {
                            // Not from inside this tick: sending drops the interval running it.
                            let send = send.clone();
                            gloo::timers::callback::Timeout::new(0, move || send.emit(())).forget();
                        }
                    })
                };
                s.ticker = Some(tick);
                *session.borrow_mut() = Some(s);
                recording.set(true);
            });
        })
    };
    let oncancel = {
        let (session, recording, elapsed) = (session.clone(), recording.clone(), elapsed.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(mut s) = session.borrow_mut().take() {
                let _ = s.recorder.stop();
                s.release();
            }
            recording.set(false);
            elapsed.set(0);
        })
    };
    let onsend = Callback::from(move |_: MouseEvent| send.emit(()));
    if *recording {
        let width = format!("width: {:.0}%", *level * 100.0);
        html! {
            <div class="voice-recorder" data-testid="voice-recorder" role="group" aria-label="Recording a voice note">
                <span class="rec-dot" aria-hidden="true"></span>
                <span class="voice-timer" data-testid="voice-timer">{ format_duration(*elapsed) }</span>
                <span class="voice-level" data-testid="voice-level" data-level={format!("{:.2}", *level)}
                    role="meter" aria-label="Microphone level"><span style={width}></span></span>
                <button type="button" class="btn btn-small btn-quiet" data-testid="voice-cancel"
                    onclick={oncancel}>{ "Cancel" }</button>
                <button type="button" class="btn btn-small btn-primary" data-testid="voice-send"
                    onclick={onsend}>{ "Send" }</button>
            </div>
        }
    } else {
        html! {
            <>
                <button type="button" class="btn btn-icon" data-testid="voice-record" title="Record a voice note"
                    aria-label="Record a voice note" disabled={props.disabled} onclick={onstart}>{ super::icons::mic() }</button>
                if let Some(e) = (*error).clone() {
                    <span class="composer-error" role="alert" data-testid="voice-error">{ e }</span>
                }
            </>
        }
    }
}
