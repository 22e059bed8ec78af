//! Talking to the server: typed operations, GraphQL over HTTP, the access token, and
//! the graphql-transport-ws subscription client.

pub mod account;
pub mod auth;
pub mod convert;
pub mod error;
pub mod http;
pub mod live;
pub mod media;
pub mod membership;
pub mod messages;
pub mod ops;
pub mod people;
pub mod protocol;
pub mod queries;
pub mod upload;
pub mod ws;

pub use error::ApiError;
