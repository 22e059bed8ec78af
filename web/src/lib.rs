//! Jeco Chat web app: Yew function components over a GraphQL API, live updates from
//! one graphql-transport-ws subscription.

pub mod state;
pub mod api;
