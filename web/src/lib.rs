//! Jeco Chat web app: Yew function components over the GraphQL API, kept live by one
//! viewer-wide graphql-transport-ws subscription.

pub mod api;
pub mod app;
pub mod components;
pub mod emoji;
pub mod highlight;
pub mod hooks;
pub mod markdown;
pub mod pages;
pub mod route;
pub mod state;
pub mod theme;

/// Mounts the app on the page's `<body>`.
pub fn run() {
    yew::Renderer::<app::App>::new().render();
}
