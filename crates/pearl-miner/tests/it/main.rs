//! Integration tests of pearl-miner (one binary; one module per topic).

mod bench;
mod common;
mod hostile;
mod kernels;
mod merkle;
mod mine_verify;
mod neon;
mod noise;
mod pearl_kat;
mod pearl_vectors;
mod seeds;
mod shape;
