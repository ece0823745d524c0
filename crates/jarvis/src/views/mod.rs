//! Human output, one module per command: each turns a command's data into an
//! [`output::Doc`](crate::output::Doc). Views do no I/O, so their tests pin the text with insta
//! snapshots built from fixtures, never from this machine.

pub(crate) mod attach;
pub(crate) mod bench;
pub(crate) mod chart;
pub(crate) mod deploy;
pub(crate) mod doctor;
pub(crate) mod engines;
pub(crate) mod fleet;
pub(crate) mod history;
pub(crate) mod init;
pub(crate) mod logs;
pub(crate) mod model;
pub(crate) mod models;
pub(crate) mod pearl;
pub(crate) mod service;
pub(crate) mod start;
pub(crate) mod status;
pub(crate) mod stop;
pub(crate) mod verify_proof;

/// A document as a pipe gets it, at the widest width (snapshots).
#[cfg(test)]
pub(crate) fn plain(doc: &crate::output::Doc) -> String {
    doc.plain(crate::output::MAX_WIDTH)
}
