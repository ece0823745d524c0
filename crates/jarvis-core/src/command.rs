//! Finding programs on `PATH` (the `which` crate) and running a probe with a timeout: the one
//! place jarvis does either.

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// At most this much of a probe's stdout and of its stderr is kept.
const MAX_OUTPUT: u64 = 4 << 20;

/// The first executable `name` in `path` (a `PATH`-style list; empty entries are skipped, not
/// read as the current directory), or in `$PATH` when `path` is `None`.
pub fn find_program(name: &str, path: Option<&OsStr>) -> Option<PathBuf> {
    let path: OsString = match path {
        Some(p) => p.to_owned(),
        None => std::env::var_os("PATH")?,
    };
    let dirs: Vec<PathBuf> = std::env::split_paths(&path)
        .filter(|d| !d.as_os_str().is_empty())
        .collect();
    if dirs.is_empty() {
        return None;
    }
    let path = std::env::join_paths(dirs).ok()?;
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    which::which_in(name, Some(path), cwd).ok()
}

/// Runs `command` with stdin closed and its output captured, waiting at most `timeout`;
/// `None` when it cannot start or is still running then (it is killed and reaped).
pub fn output_within(command: &mut Command, timeout: Duration) -> Option<Output> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(pipe) = pipe {
                let _ = pipe.take(MAX_OUTPUT).read_to_end(&mut buf);
            }
            buf
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                // Not joined: a grandchild may still hold the pipes open.
                return None;
            }
        }
    };
    Some(Output {
        status,
        stdout: stdout.join().ok()?,
        stderr: stderr.join().ok()?,
    })
}

/// Runs `program args` (found on `$PATH`) and returns its stdout if it exits 0 within
/// `timeout`.
pub fn stdout_within(program: &str, args: &[&str], timeout: Duration) -> Option<String> {
    let exe = find_program(program, None)?;
    let output = output_within(Command::new(exe).args(args), timeout)?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn script(dir: &std::path::Path, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt as _;
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[cfg(unix)]
    #[test]
    fn finds_only_executables_and_skips_empty_entries() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let tool = script(&bin, "tool", "exit 0");
        std::fs::write(bin.join("plain"), "not executable").unwrap();
        let path = std::env::join_paths(["", bin.to_str().unwrap()]).unwrap();
        assert_eq!(find_program("tool", Some(&path)), Some(tool));
        assert_eq!(find_program("plain", Some(&path)), None);
        assert_eq!(find_program("tool", Some(OsStr::new(""))), None);
        assert_eq!(find_program("tool", Some(OsStr::new("/nonexistent"))), None);
    }

    #[cfg(unix)]
    #[test]
    fn output_is_captured_and_a_hung_probe_is_killed() {
        let dir = tempfile::tempdir().unwrap();
        let talk = script(dir.path(), "talk", "echo out; echo err >&2; exit 3");
        let output = output_within(&mut Command::new(&talk), Duration::from_secs(30)).unwrap();
        assert_eq!(output.status.code(), Some(3));
        assert_eq!(output.stdout, b"out\n");
        assert_eq!(output.stderr, b"err\n");
        // A probe that never ends is cut off: a zero budget ends it at the first check.
        let hang = script(dir.path(), "hang", "exec sleep 600");
        assert!(output_within(&mut Command::new(&hang), Duration::ZERO).is_none());
    }
}
