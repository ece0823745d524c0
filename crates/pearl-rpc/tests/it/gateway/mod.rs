//! Gateway client and poller against a scripted NDJSON server.

mod client;
mod poller;
mod scripted;
