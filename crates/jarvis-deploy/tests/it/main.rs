//! jarvis-deploy integration tests (one binary): the rendered manifests, the secrets they
//! never hold, what they refuse, and Kubernetes' own schemas (`kubernetes-validate`).

mod manifests;
mod schemas;
