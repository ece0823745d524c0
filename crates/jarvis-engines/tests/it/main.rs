//! jarvis-engines integration tests against the testkit's fake vLLM and Ollama.

mod chat;
mod config;
mod discovery;
mod probe;
mod stream;
