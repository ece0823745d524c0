//! jarvis-model-check integration tests (one binary).

mod inspect;
mod validate;
