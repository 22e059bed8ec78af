//! Talking to the server: typed operations, GraphQL over HTTP, the access token, and
//! the graphql-transport-ws subscription client.

pub mod ops;
