//! jarvis-vllm-pearl integration tests (one binary): the provider against the fake Docker
//! Engine and fake vLLM, the source build, and real Docker Engine daemons (`real_engines`).

mod build;
mod doctor;
mod faults;
mod lifecycle;
mod real_engines;
mod rig;
mod sampler;
