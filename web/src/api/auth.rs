//! The access token, kept in memory only, and the session calls around it. The refresh
//! token never reaches JS: every auth call asks for it in the HttpOnly cookie.
//! Refreshes are single-flight within the tab and serialised across tabs (Web Locks),
//! because the server rotates the cookie and treats a reused one as theft.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use gloo::timers::callback::Timeout;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use super::error::{code_name, ApiError};
use super::http::execute_with_token;
use super::ops::{login, logout, refresh_session, register, Login, Logout, RefreshSession, Register};
use crate::state::model::UserRef;
use crate::state::time::parse_rfc3339_millis;

/// Refresh this long before the token expires.
const REFRESH_AHEAD_MS: f64 = 60_000.0;
/// A token with less validity left than this is refreshed before use.
const MIN_VALIDITY_MS: f64 = 20_000.0;
/// Retry delay when a scheduled refresh failed for a non-auth reason.
const RETRY_MS: u32 = 15_000;

struct Token {
    access: String,
    expires_at_ms: Option<f64>,
}

type RefreshFuture = Shared<LocalBoxFuture<'static, Result<UserRef, ApiError>>>;

thread_local! {
    static TOKEN: RefCell<Option<Token>> = const { RefCell::new(None) };
    static IN_FLIGHT: RefCell<Option<RefreshFuture>> = const { RefCell::new(None) };
    static TIMER: RefCell<Option<Timeout>> = const { RefCell::new(None) };
    static ON_LOST: RefCell<Option<Rc<dyn Fn()>>> = const { RefCell::new(None) };
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The current access token, if logged in.
pub fn current_token() -> Option<String> {
    TOKEN.with(|t| t.borrow().as_ref().map(|t| t.access.clone()))
}

/// Registers what to do when the session ends without the user asking (revoked, expired).
pub fn set_on_session_lost(f: impl Fn() + 'static) {
    ON_LOST.with(|cell| *cell.borrow_mut() = Some(Rc::new(f)));
}

/// Forgets the token and tells the UI the session is gone.
pub fn session_lost() {
    let had_token = TOKEN.with(|t| t.borrow().is_some());
    clear();
    if had_token {
        if let Some(f) = ON_LOST.with(|cell| cell.borrow().clone()) {
            f();
        }
    }
}

/// Forgets the token and stops the refresh timer.
pub fn clear() {
    TOKEN.with(|t| *t.borrow_mut() = None);
    TIMER.with(|t| *t.borrow_mut() = None);
}

fn store(access: String, expires_at: Option<&str>) {
    let expires_at_ms = expires_at.and_then(parse_rfc3339_millis).map(|ms| ms as f64);
    TOKEN.with(|t| *t.borrow_mut() = Some(Token { access, expires_at_ms }));
    if let Some(expires) = expires_at_ms {
        let delay = (expires - now_ms() - REFRESH_AHEAD_MS).max(5_000.0);
        schedule_refresh(delay.min(f64::from(i32::MAX)) as u32);
    }
}

fn schedule_refresh(delay_ms: u32) {
    let timer = Timeout::new(delay_ms, || {
        wasm_bindgen_futures::spawn_local(async {
            match refresh().await {
                Ok(_) => {}
                Err(e) if e.is_auth() => session_lost(),
                Err(_) => {
                    if current_token().is_some() {
                        schedule_refresh(RETRY_MS);
                    }
                }
            }
        });
    });
    TIMER.with(|t| *t.borrow_mut() = Some(timer));
}

/// A token valid for a while yet, refreshing first if it is about to expire.
pub async fn valid_token() -> Option<String> {
    let (token, expires) =
        TOKEN.with(|t| t.borrow().as_ref().map(|t| (t.access.clone(), t.expires_at_ms)))?;
    if expires.is_none_or(|e| e - now_ms() > MIN_VALIDITY_MS) {
        return Some(token);
    }
    match refresh().await {
        Ok(_) => current_token(),
        Err(e) if e.is_auth() => {
            session_lost();
            None
        }
        // Offline: let the caller try with what it has and report the network error.
        Err(_) => Some(token),
    }
}

/// Turns an auth payload into the logged-in user, storing the token.
fn accept(
    access_token: Option<String>,
    expires_at: Option<String>,
    user: Option<UserRef>,
    errors: Vec<(String, String)>,
) -> Result<UserRef, ApiError> {
    if let Some(error) = ApiError::from_user_errors(errors) {
        return Err(error);
    }
    match (access_token, user) {
        (Some(token), Some(user)) => {
            store(token, expires_at.as_deref());
            Ok(user)
        }
        _ => Err(ApiError::Decode("no token in the answer".to_owned())),
    }
}

macro_rules! accept_payload {
    ($p:expr) => {{
        let p = $p;
        let errors = p.user_errors.iter().map(|e| (e.message.clone(), code_name(&e.code))).collect();
        accept(p.access_token, p.expires_at, p.user.map(UserRef::from), errors)
    }};
}

/// Creates an account and logs in.
pub async fn register(
    username: String,
    email: String,
    password: String,
    display_name: Option<String>,
) -> Result<UserRef, ApiError> {
    let input =
        register::RegisterInput { username, email, password, display_name, refresh_token_in_cookie: true };
    let data = execute_with_token::<Register>(register::Variables { input }, None).await?;
    accept_payload!(data.register)
}

/// Logs in with a username or email.
pub async fn login(username_or_email: String, password: String) -> Result<UserRef, ApiError> {
    let input = login::LoginInput { username_or_email, password, refresh_token_in_cookie: true };
    let data = execute_with_token::<Login>(login::Variables { input }, None).await?;
    accept_payload!(data.login)
}

/// Revokes the session on the server (best effort) and forgets the token.
pub async fn logout() {
    let token = current_token();
    let input = logout::LogoutInput { refresh_token: None };
    // Failing to reach the server must not keep the user logged in locally.
    let _ = execute_with_token::<Logout>(logout::Variables { input }, token.as_deref()).await;
    clear();
}

/// New access token from the refresh cookie; concurrent callers share one request.
pub async fn refresh() -> Result<UserRef, ApiError> {
    let shared = IN_FLIGHT.with(|cell| {
        cell.borrow_mut()
            .get_or_insert_with(|| {
                async {
                    let result = with_refresh_lock(refresh_now()).await;
                    IN_FLIGHT.with(|cell| *cell.borrow_mut() = None);
                    result
                }
                .boxed_local()
                .shared()
            })
            .clone()
    });
    shared.await
}

async fn refresh_now() -> Result<UserRef, ApiError> {
    let input = refresh_session::RefreshSessionInput { refresh_token: None, refresh_token_in_cookie: true };
    let data = execute_with_token::<RefreshSession>(refresh_session::Variables { input }, None).await?;
    accept_payload!(data.refresh_session)
}

/// Runs `work` while holding the cross-tab lock `jeco-refresh` (or directly where the
/// browser has no Web Locks).
async fn with_refresh_lock<F>(work: F) -> Result<UserRef, ApiError>
where
    F: Future<Output = Result<UserRef, ApiError>> + 'static,
{
    let locks = web_sys::window()
        .and_then(|w| Reflect::get(&w.navigator(), &JsValue::from_str("locks")).ok())
        .filter(JsValue::is_object);
    let request = locks.as_ref().and_then(|locks| {
        Reflect::get(locks, &JsValue::from_str("request")).ok()?.dyn_into::<Function>().ok()
    });
    let (Some(locks), Some(request)) = (locks, request) else {
        return work.await;
    };
    let slot: Rc<RefCell<Option<Result<UserRef, ApiError>>>> = Rc::new(RefCell::new(None));
    let slot_in_lock = slot.clone();
    let callback = Closure::once_into_js(move |_lock: JsValue| -> Promise {
        future_to_promise(async move {
            let result = work.await;
            *slot_in_lock.borrow_mut() = Some(result);
            Ok(JsValue::UNDEFINED)
        })
    });
    if let Ok(promise) = request.call2(&locks, &JsValue::from_str("jeco-refresh"), &callback) {
        let _ = JsFuture::from(Promise::from(promise)).await;
    }
    let result = slot.borrow_mut().take();
    result.unwrap_or_else(|| Err(ApiError::Network("the refresh lock failed".to_owned())))
}
