//! The root component: owns the session and the chat store, renders the routes.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::auth;
use crate::components::{Protected, Shell};
use crate::hooks::{
    use_conversation_refetch, use_event_stream, use_restore_session, ChatContext, LiveContext, SessionContext,
};
use crate::pages::{
    ChatPage, ForgotPasswordPage, HomePage, LoginPage, NotFoundPage, PeoplePage, ProfilePage, RegisterPage,
    ResetPasswordPage, RoomsPage, SearchPage,
};
use crate::route::Route;
use crate::state::session::{Session, SessionAction};
use crate::state::{ChatState, LiveState};

fn switch(route: Route) -> Html {
    let home = matches!(route, Route::Home);
    let page = match route {
        Route::Login => return html! { <LoginPage /> },
        Route::Register => return html! { <RegisterPage /> },
        Route::NotFound => return html! { <NotFoundPage /> },
        Route::ForgotPassword => return html! { <ForgotPasswordPage /> },
        Route::ResetPassword => return html! { <ResetPasswordPage /> },
        Route::Search => html! { <SearchPage /> },
        Route::Profile => html! { <ProfilePage /> },
        Route::Home => html! { <HomePage /> },
        Route::Rooms => html! { <RoomsPage /> },
        Route::People => html! { <PeoplePage /> },
        Route::Chat { id } => html! { <ChatPage key={id.clone()} id={id.clone()} /> },
    };
    html! {
        <Protected>
            <Shell {home}>{ page }</Shell>
        </Protected>
    }
}

/// Root component: restores the session, runs the event stream, renders the routes.
#[function_component(App)]
pub fn app() -> Html {
    let session = use_reducer(Session::default);
    let chat = use_reducer(ChatState::default);
    let live = use_reducer(LiveState::default);

    {
        let session = session.dispatcher();
        use_effect_with((), move |_| {
            auth::set_on_session_lost(move || session.dispatch(SessionAction::LoggedOut));
        });
    }
    use_restore_session(session.dispatcher(), *session == Session::Unreachable);

    let viewer_id = session.viewer().map(|v| v.id.clone());
    use_event_stream(viewer_id, chat.dispatcher(), live.dispatcher());
    use_conversation_refetch(chat.unknown_conversation_hits, chat.dispatcher());
    // New conversations bring new co-members whose presence we want.
    use_effect_with(chat.conversations.len(), |count| {
        if *count > 0 {
            crate::api::ws::refresh_presence();
        }
    });

    html! {
        <ContextProvider<SessionContext> context={session}>
            <ContextProvider<ChatContext> context={chat}>
                <ContextProvider<LiveContext> context={live}>
                    <BrowserRouter>
                        <Switch<Route> render={switch} />
                    </BrowserRouter>
                </ContextProvider<LiveContext>>
            </ContextProvider<ChatContext>>
        </ContextProvider<SessionContext>>
    }
}
