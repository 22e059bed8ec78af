//! Integration tests: the real server against a real PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod abuse;
mod access_ends;
mod account_life;
mod accounts;
mod authz;
mod authz_reach;
mod cli;
mod codes;
mod cors;
mod credentials;
mod dataloaders;
mod ecosystem;
mod fault;
mod headers;
mod helpers;
mod hygiene;
mod instances;
mod limits;
mod live;
mod message_features;
mod messages;
mod notifications;
mod ops;
mod pg_restart;
mod presence;
mod private_rooms;
mod reads;
mod rooms;
mod search;
mod social;
mod socket_auth;
mod test_db;
mod typing;
mod ws_client;
