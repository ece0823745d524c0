//! Gateway client and poller against a scripted NDJSON server.

mod address;
mod client;
mod poller;
mod scripted;
