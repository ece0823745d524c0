//! Sorting transport failures: walks error sources (including inside `io::Error`) for the
//! facts that tell refused, timed-out and TLS failures apart.

use std::error::Error as StdError;
use std::io;

use rustls::CertificateError;

use super::tls::NotPinned;

/// What an error chain revealed about the failure.
#[derive(Default)]
pub(super) struct ChainFacts {
    pub(super) tls: Option<String>,
    pub(super) refused: bool,
    pub(super) timed_out: bool,
}

/// Walks an error's sources, looking inside `io::Error` wrappers too (their `source()` skips
/// the wrapped error).
pub(super) fn visit_chain(err: &(dyn StdError + 'static), depth: usize, facts: &mut ChainFacts) {
    let mut current = Some(err);
    let mut depth = depth;
    while let Some(e) = current {
        depth += 1;
        if depth > 32 {
            return;
        }
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            facts.tls.get_or_insert_with(|| describe_tls_error(tls));
        }
        if let Some(io_err) = e.downcast_ref::<io::Error>() {
            match io_err.kind() {
                io::ErrorKind::ConnectionRefused => facts.refused = true,
                io::ErrorKind::TimedOut => facts.timed_out = true,
                _ => {}
            }
            if let Some(inner) = io_err.get_ref() {
                visit_chain(inner, depth, facts);
            }
        }
        current = e.source();
    }
}

fn describe_tls_error(err: &rustls::Error) -> String {
    match err {
        rustls::Error::InvalidCertificate(CertificateError::Other(other))
            if other.0.downcast_ref::<NotPinned>().is_some() =>
        {
            other.0.to_string()
        }
        rustls::Error::InvalidCertificate(CertificateError::Other(other)) => format!(
            "the server's certificate is not trusted ({}); pearld's rpc.cert is self-signed and \
             must be configured explicitly",
            other.0
        ),
        rustls::Error::InvalidCertificate(_) => {
            format!("{err}; pearld's rpc.cert is self-signed and must be configured explicitly")
        }
        rustls::Error::InvalidMessage(_) => format!(
            "{err} (the server does not speak TLS: if pearld runs with --notls, use http://)"
        ),
        other => other.to_string(),
    }
}

/// `a: b: c` from an error and its sources, without repeats.
pub(super) fn error_chain_text(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        if parts.len() >= 8 {
            break;
        }
        current = e.source();
    }
    parts.join(": ")
}
