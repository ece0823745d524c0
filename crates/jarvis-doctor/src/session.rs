//! The sidecar row.

use jarvis_core::paths::JarvisHome;
use jarvis_mining::check::{CheckRow, Group, Status};
use jarvis_mining::session::{Session, SessionState};

pub(crate) fn session_row(home: &JarvisHome) -> CheckRow {
    let g = Group::Session;
    let session = Session::read(home);
    let path = session.path.display().to_string();
    match &session.state {
        SessionState::Absent => CheckRow::new(g, "Sidecar", Status::Ok, "absent (not running)"),
        SessionState::Running(s) => CheckRow::new(
            g,
            "Sidecar",
            Status::Ok,
            format!("running {} ({path})", s.provider),
        ),
        SessionState::Unverified(s) => CheckRow::new(
            g,
            "Sidecar",
            Status::Ok,
            format!(
                "present: {} container {} ({path})",
                s.provider,
                s.container_id.as_deref().unwrap_or("?")
            ),
        ),
        SessionState::Stale { sidecar, reason } => CheckRow::new(
            g,
            "Sidecar",
            Status::Warn,
            format!("stale {} session: {reason} ({path})", sidecar.provider),
        )
        .fix("`jarvis mine stop` removes it"),
        SessionState::Corrupt { detail } => CheckRow::new(
            g,
            "Sidecar",
            Status::Warn,
            format!("corrupt: {detail} ({path})"),
        )
        .fix("`jarvis mine stop` removes it"),
    }
}
