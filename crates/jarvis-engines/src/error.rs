//! Engine errors: what failed, where, and the fix.

/// Failure to reach or use an inference engine.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The HTTP client could not be built (TLS set-up).
    #[error(transparent)]
    Client(#[from] jarvis_http::HttpError),
    /// Nothing answered at the engine's URL.
    #[error(
        "engine '{engine}' at {url} did not answer: {detail}; start it, or pick another with \
         --engine (see `jarvis engines`)"
    )]
    Unreachable {
        /// Engine id.
        engine: String,
        /// The URL tried.
        url: String,
        /// Connection refused, timed out, ...
        detail: String,
    },
    /// The engine answered with an HTTP error.
    #[error("engine '{engine}' at {url} answered HTTP {status}: {message}; {fix}")]
    Http {
        /// Engine id.
        engine: String,
        /// The URL requested.
        url: String,
        /// HTTP status.
        status: u16,
        /// The server's message (first line).
        message: String,
        /// What to do.
        fix: String,
    },
    /// The engine answered something that is not its protocol.
    #[error(
        "engine '{engine}' at {url} sent an invalid reply: {detail}; is this really a {protocol} server?"
    )]
    Protocol {
        /// Engine id.
        engine: String,
        /// The URL requested.
        url: String,
        /// What was wrong.
        detail: String,
        /// The protocol expected.
        protocol: &'static str,
    },
    /// No model was given and the engine lists none.
    #[error("engine '{engine}' serves no model to ask; pass --model <id>")]
    NoModel {
        /// Engine id.
        engine: String,
    },
    /// `--engine` named an id that discovery does not know.
    #[error("unknown engine '{id}' (known: {}); run `jarvis engines` to see them", known.join(", "))]
    UnknownEngine {
        /// The id asked for.
        id: String,
        /// The discovered ids.
        known: Vec<String>,
    },
}

/// One line of a possibly multi-line server message, capped for display.
pub(crate) fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    line.chars().take(200).collect()
}
