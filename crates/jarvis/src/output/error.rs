//! How a failed command reports: its error, each cause once, then what to do next.
//!
//! ```text
//! error: <what failed>
//!   caused by: <source>
//!   hint: <next step>
//! ```
//!
//! A cause whose text the line above already shows is skipped, so a library message that
//! quotes its source does not print it twice.

use std::fmt;
use std::io;
use std::path::Path;

use super::style;

/// An error whose next step is a jarvis command or setting: the step prints as `hint:`.
#[derive(Debug)]
pub(crate) struct Hinted {
    message: String,
    hint: String,
}

impl fmt::Display for Hinted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Hinted {}

/// An error saying `message`, with `hint` as its next step.
pub(crate) fn hinted(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Hinted {
        message: message.into(),
        hint: hint.into(),
    })
}

/// The error report, styled (the stream strips the styles without colour).
pub(crate) fn render(err: &anyhow::Error) -> String {
    let mut chain = err.chain();
    let top = chain.next().map(ToString::to_string).unwrap_or_default();
    let mut lines = vec![format!("{} {top}", style::paint(style::FAIL, "error:"))];
    let mut previous = top;
    for cause in chain {
        let text = cause.to_string();
        if text.is_empty() || previous.contains(&text) {
            continue;
        }
        lines.push(format!(
            "  {} {text}",
            style::paint(style::DIM, "caused by:")
        ));
        previous = text;
    }
    for hint in hints(err) {
        lines.push(format!("  {} {hint}", style::paint(style::HINT, "hint:")));
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// The next steps the chain carries, outermost first, each once.
fn hints(err: &anyhow::Error) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let ours = err
        .chain()
        .filter_map(|e| e.downcast_ref::<Hinted>())
        .map(|h| h.hint.clone());
    // jarvis' own advice for errors the Pearl crates raise in neutral terms.
    let pearl = err.chain().find_map(jarvis_mining::hint::for_error);
    for hint in ours.chain(pearl).chain(for_cause(err)) {
        if !found.contains(&hint) {
            found.push(hint);
        }
    }
    found
}

/// What the failed operation was about, read from the typed error that wraps an I/O cause.
#[derive(Debug, Clone, Copy)]
enum Subject<'a> {
    /// A file or directory jarvis reads or writes.
    File(&'a Path),
    /// A program jarvis starts.
    Program(&'a Path),
    /// A local TCP port jarvis listens on.
    Port(u16),
    /// A process jarvis signals.
    Process,
    /// Nothing more specific is known.
    Unknown,
}

/// The subject of `err` itself, when it is one of the errors that wrap an I/O cause.
fn subject_of<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<Subject<'a>> {
    use jarvis_core::config::ConfigError;
    use jarvis_core::lock::LockError;
    use jarvis_core::process::ProcessError;
    use jarvis_cpu_pearl::supervisor::SupervisorError;
    use jarvis_mining::error::MiningError;
    use jarvis_mining::sidecar::SidecarError;
    use jarvis_telemetry::history::HistoryError;

    if let Some(e) = err.downcast_ref::<ConfigError>() {
        return match e {
            ConfigError::Read { path, .. } | ConfigError::Write { path, .. } => {
                Some(Subject::File(path))
            }
            _ => None,
        };
    }
    if let Some(jarvis_core::fs::ReadFileError::Io { path, .. }) =
        err.downcast_ref::<jarvis_core::fs::ReadFileError>()
    {
        return Some(Subject::File(path));
    }
    if let Some(LockError::Io { path, .. }) = err.downcast_ref::<LockError>() {
        return Some(Subject::File(path));
    }
    if let Some(SidecarError::Io { path, .. }) = err.downcast_ref::<SidecarError>() {
        return Some(Subject::File(path));
    }
    match err.downcast_ref::<MiningError>() {
        Some(MiningError::Io { path, .. }) => return Some(Subject::File(path)),
        // Transparent: the provider's own error is not a link of the chain, so look inside.
        Some(MiningError::Provider(inner)) => return subject_of(inner.as_ref()),
        _ => {}
    }
    if let Some(HistoryError::CreateDir { path, .. }) = err.downcast_ref::<HistoryError>() {
        return Some(Subject::File(path));
    }
    if err.downcast_ref::<ProcessError>().is_some() {
        return Some(Subject::Process);
    }
    match err.downcast_ref::<SupervisorError>()? {
        SupervisorError::Io { path, .. } => Some(Subject::File(path)),
        SupervisorError::Spawn { program, .. } => Some(Subject::Program(program)),
        SupervisorError::MetricsPort { port, .. } => Some(Subject::Port(*port)),
        _ => None,
    }
}

/// The next step that fits the cause at the bottom of `err`'s chain: a file that is a
/// directory or not UTF-8, a missing file, permissions, a full disk, a port in use.
fn for_cause(err: &anyhow::Error) -> Option<String> {
    if let Some(jarvis_core::config::ConfigError::Encoding { path, .. }) = err
        .chain()
        .find_map(|e| e.downcast_ref::<jarvis_core::config::ConfigError>())
    {
        return Some(format!(
            "save {} as UTF-8 (in Notepad: Save As, Encoding UTF-8; or `iconv -f UTF-16 -t UTF-8`)",
            path.display()
        ));
    }
    use jarvis_core::fs::ReadFileError;
    // `ConfigError::NotAConfigFile` is transparent: its inner error is not a link of the chain.
    let read_file = err.chain().find_map(|e| {
        e.downcast_ref::<ReadFileError>().or_else(|| {
            match e.downcast_ref::<jarvis_core::config::ConfigError>() {
                Some(jarvis_core::config::ConfigError::NotAConfigFile(inner)) => Some(inner),
                _ => None,
            }
        })
    });
    match read_file {
        Some(ReadFileError::NotRegular { path, kind }) if *kind == "a directory" => {
            return io_hint(io::ErrorKind::IsADirectory, Subject::File(path));
        }
        Some(ReadFileError::NotRegular { path, .. } | ReadFileError::TooLarge { path, .. }) => {
            return Some(format!(
                "move {} away and put the regular file that belongs there",
                path.display()
            ));
        }
        _ => {}
    }
    let io = err.chain().find_map(|e| e.downcast_ref::<io::Error>())?;
    let subject = err.chain().find_map(subject_of).unwrap_or(Subject::Unknown);
    io_hint(io.kind(), subject)
}

fn io_hint(kind: io::ErrorKind, subject: Subject<'_>) -> Option<String> {
    use io::ErrorKind as K;
    let hint = match (kind, subject) {
        (K::IsADirectory, Subject::File(path)) => format!(
            "{} is a directory where jarvis expects a file; move the directory away",
            path.display()
        ),
        (K::IsADirectory, _) => {
            "a directory stands where a file is expected; move it away".to_owned()
        }
        (K::NotADirectory, Subject::File(path)) => format!(
            "a file stands where a directory of {} is expected; move that file away",
            path.display()
        ),
        (K::NotFound, Subject::Program(program)) => format!(
            "{} does not exist any more; reinstall it or put it back on PATH",
            program.display()
        ),
        (K::NotFound, Subject::File(path)) => format!(
            "{} or its directory does not exist; create the directory or fix the path",
            path.display()
        ),
        (K::PermissionDenied, Subject::Program(program)) => {
            format!("make {} executable (chmod +x)", program.display())
        }
        (K::PermissionDenied, Subject::Process) => {
            "the process belongs to another user; stop it as that user".to_owned()
        }
        (K::PermissionDenied, Subject::Port(port)) => format!(
            "port {port} needs privileges; set [mining.extra].metrics_port to a port above 1023"
        ),
        (K::PermissionDenied, Subject::File(path)) => format!(
            "check the owner and permissions of {} and its directory (`ls -ld`)",
            path.display()
        ),
        (K::AddrInUse, Subject::Port(port)) => {
            format!("stop what uses port {port}, or set [mining.extra].metrics_port to a free port")
        }
        (K::StorageFull | K::QuotaExceeded, Subject::File(path)) => format!(
            "the disk holding {} is full; free some space (`df -h`) and try again",
            path.display()
        ),
        (K::StorageFull | K::QuotaExceeded, _) => {
            "the disk is full; free some space (`df -h`) and try again".to_owned()
        }
        (K::ReadOnlyFilesystem, _) => {
            "the file system is read-only; set OPENJARVIS_HOME to a writable directory".to_owned()
        }
        (K::InvalidData, Subject::File(path)) => {
            format!("{} is not UTF-8 text; save it as UTF-8", path.display())
        }
        _ => return None,
    };
    Some(hint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context as _;

    fn plain(err: &anyhow::Error) -> String {
        anstream::adapter::strip_str(&render(err)).to_string()
    }

    /// A library error that quotes its source in its message.
    #[derive(Debug)]
    struct Quoting {
        source: std::io::Error,
    }

    impl fmt::Display for Quoting {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(
                f,
                "cannot read /x/config.toml: {}; check the file",
                self.source
            )
        }
    }

    impl std::error::Error for Quoting {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.source)
        }
    }

    #[test]
    fn each_cause_prints_once() {
        let io = std::io::Error::new(std::io::ErrorKind::IsADirectory, "Is a directory");
        let err = anyhow::Error::new(Quoting { source: io }).context("cannot load the config");
        assert_eq!(
            plain(&err),
            "error: cannot load the config\n\
             \x20 caused by: cannot read /x/config.toml: Is a directory; check the file\n\
             \x20 hint: a directory stands where a file is expected; move it away\n"
        );
    }

    #[test]
    fn causes_that_add_something_are_kept_in_order() {
        let err = anyhow::anyhow!("connection refused")
            .context("pearld did not answer")
            .context("cannot start mining");
        assert_eq!(
            plain(&err),
            "error: cannot start mining\n\
             \x20 caused by: pearld did not answer\n\
             \x20 caused by: connection refused\n"
        );
    }

    #[test]
    fn hints_come_last_once() {
        let err = Err::<(), _>(hinted(
            "no [mining] section in /x/config.toml",
            "run `jarvis mine init`",
        ))
        .context("cannot start")
        .unwrap_err();
        assert_eq!(
            plain(&err),
            "error: cannot start\n\
             \x20 caused by: no [mining] section in /x/config.toml\n\
             \x20 hint: run `jarvis mine init`\n"
        );
        assert!(render(&err).contains('\x1b'), "the prefixes carry styles");
    }

    /// The report for `err`, with `dir` written as `<dir>`.
    fn report(err: anyhow::Error, dir: &Path) -> String {
        plain(&err).replace(&dir.display().to_string(), "<dir>")
    }

    fn os(code: i32) -> io::Error {
        io::Error::from_raw_os_error(code)
    }

    #[test]
    fn a_config_path_that_is_a_directory_says_so_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::create_dir(&path).unwrap();
        let err = jarvis_core::config::ConfigFile::load(&path).unwrap_err();
        assert_eq!(
            report(err.into(), dir.path()),
            "error: <dir>/config.toml is a directory, not a regular file, so jarvis does not read it\n\
             \x20 hint: <dir>/config.toml is a directory where jarvis expects a file; move the directory away\n"
        );
    }

    #[test]
    fn a_utf16_config_is_named_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "[mining]\n".encode_utf16() {
            bytes.extend(unit.to_le_bytes());
        }
        std::fs::write(&path, bytes).unwrap();
        let err = jarvis_core::config::ConfigFile::load(&path).unwrap_err();
        assert_eq!(
            report(err.into(), dir.path()),
            "error: <dir>/config.toml is not UTF-8 text: UTF-16 (little-endian)\n\
             \x20 hint: save <dir>/config.toml as UTF-8 (in Notepad: Save As, Encoding UTF-8; or `iconv -f UTF-16 -t UTF-8`)\n"
        );
    }

    #[test]
    fn a_config_with_a_bad_byte_names_its_offset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, b"[mining]\nwallet = \"\xE9\"\n").unwrap();
        let err = jarvis_core::config::ConfigFile::load(&path).unwrap_err();
        assert_eq!(
            report(err.into(), dir.path()),
            "error: <dir>/config.toml is not UTF-8 text: an invalid byte at offset 19\n\
             \x20 hint: save <dir>/config.toml as UTF-8 (in Notepad: Save As, Encoding UTF-8; or `iconv -f UTF-16 -t UTF-8`)\n"
        );
    }

    #[test]
    fn a_missing_program_and_a_program_without_exec_rights() {
        use jarvis_cpu_pearl::supervisor::SupervisorError;
        let spawn = |code| SupervisorError::Spawn {
            program: "/opt/pearl/bin/pearl-gateway".into(),
            source: os(code),
        };
        let missing = jarvis_mining::error::MiningError::from(spawn(libc::ENOENT));
        assert_eq!(
            plain(&missing.into()),
            "error: cannot start /opt/pearl/bin/pearl-gateway\n\
             \x20 caused by: No such file or directory (os error 2)\n\
             \x20 hint: /opt/pearl/bin/pearl-gateway does not exist any more; reinstall it or put it back on PATH\n"
        );
        assert_eq!(
            plain(&spawn(libc::EACCES).into()),
            "error: cannot start /opt/pearl/bin/pearl-gateway\n\
             \x20 caused by: Permission denied (os error 13)\n\
             \x20 hint: make /opt/pearl/bin/pearl-gateway executable (chmod +x)\n"
        );
    }

    #[test]
    fn permissions_and_a_full_disk_name_the_file() {
        use jarvis_mining::sidecar::SidecarError;
        let sidecar = |code| SidecarError::Io {
            action: "write",
            path: "/home/u/.openjarvis/mining.json".into(),
            source: os(code),
        };
        assert_eq!(
            plain(&sidecar(libc::EACCES).into()),
            "error: cannot write the mining sidecar /home/u/.openjarvis/mining.json\n\
             \x20 caused by: Permission denied (os error 13)\n\
             \x20 hint: check the owner and permissions of /home/u/.openjarvis/mining.json and its directory (`ls -ld`)\n"
        );
        assert_eq!(
            plain(&sidecar(libc::ENOSPC).into()),
            "error: cannot write the mining sidecar /home/u/.openjarvis/mining.json\n\
             \x20 caused by: No space left on device (os error 28)\n\
             \x20 hint: the disk holding /home/u/.openjarvis/mining.json is full; free some space (`df -h`) and try again\n"
        );
    }

    #[test]
    fn the_signal_handlers_name_no_path() {
        use jarvis_cpu_pearl::supervisor::SupervisorError;
        let err = SupervisorError::Signals {
            source: io::Error::other("no signal driver"),
        };
        let text = plain(&err.into());
        assert_eq!(
            text,
            "error: cannot install the SIGTERM/SIGINT handlers\n\
             \x20 caused by: no signal driver\n"
        );
        assert!(!text.contains("permissions"), "{text}");
    }

    #[test]
    fn a_metrics_port_in_use_names_the_setting() {
        use jarvis_cpu_pearl::supervisor::SupervisorError;
        let err = SupervisorError::MetricsPort {
            port: 9109,
            source: os(libc::EADDRINUSE),
        };
        assert_eq!(
            plain(&err.into()),
            "error: cannot serve metrics on 127.0.0.1:9109\n\
             \x20 caused by: Address already in use (os error 98)\n\
             \x20 hint: stop what uses port 9109, or set [mining.extra].metrics_port to a free port\n"
        );
    }

    #[test]
    fn no_library_message_quotes_its_chained_cause() {
        // Each error type that wraps an io::Error: its own line never repeats the cause, so
        // the report has a `caused by:` line for it.
        let errors: Vec<anyhow::Error> = vec![
            jarvis_core::lock::LockError::Io {
                path: "/l".into(),
                source: os(libc::EACCES),
            }
            .into(),
            jarvis_telemetry::history::HistoryError::CreateDir {
                path: "/h".into(),
                source: os(libc::EACCES),
            }
            .into(),
            jarvis_mining::error::MiningError::Io {
                path: "/m".into(),
                source: os(libc::EACCES),
            }
            .into(),
            jarvis_core::config::ConfigError::Write {
                path: "/c".into(),
                source: os(libc::EACCES),
            }
            .into(),
        ];
        for err in errors {
            let top = err.to_string();
            assert!(!top.contains("os error"), "{top}");
            let text = plain(&err);
            assert_eq!(text.matches("Permission denied").count(), 1, "{text}");
            assert!(
                text.contains("hint: check the owner and permissions"),
                "{text}"
            );
        }
    }
}
