//! Checks of a Pearl model: artifact inspection before any GPU time is spent (a local directory
//! or the Hugging Face Hub: config, safetensors headers, quantized layers), and validation
//! probes of a running miner recorded in a versioned, secret-free artifact.

pub mod inspect;
pub mod validate;
