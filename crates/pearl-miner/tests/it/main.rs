//! Integration tests of pearl-miner (one binary; one module per topic).

mod bench;
mod common;
mod hostile;
mod kernels;
mod merkle;
mod mine_verify;
mod noise;
mod pearl_vectors;
mod seeds;
mod shape;

/// Says in one line that `test` was skipped because this CPU lacks `needs` (straight to
/// stderr: libtest captures `eprintln!`, and a skip must be seen).
pub(crate) fn skipped(test: &str, needs: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "skipped {test}: this CPU lacks {needs}");
}
