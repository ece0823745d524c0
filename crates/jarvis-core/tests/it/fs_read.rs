//! `read_regular` / `open_regular`: files from outside are read only when they are regular
//! files under a size cap, and a FIFO, device or directory is named and refused, never hangs.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use jarvis_core::fs::{ReadFileError, open_regular, read_regular, read_regular_to_string};

/// Runs `f` on a thread and fails the test if it does not return: a hang is the defect.
pub(crate) fn returns<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("{what} hung"))
}

pub(crate) fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

#[test]
fn a_regular_file_is_read_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "a = 1\n").expect("write");
    assert_eq!(read_regular(&path, 6).expect("read"), b"a = 1\n");
    assert_eq!(read_regular_to_string(&path, 100).expect("read"), "a = 1\n");
}

#[test]
fn a_missing_file_is_not_found() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = read_regular(&dir.path().join("absent"), 10).expect_err("absent");
    assert!(err.is_not_found(), "{err}");
}

#[test]
fn a_fifo_is_refused_at_once_and_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mining.json");
    mkfifo(&path);
    let p = path.clone();
    let err = returns("reading a FIFO", move || read_regular(&p, 1024)).expect_err("a FIFO");
    assert!(
        matches!(err, ReadFileError::NotRegular { kind: "a FIFO", .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("a FIFO, not a regular file"), "{text}");
    let p = path.clone();
    assert!(returns("opening a FIFO", move || open_regular(&p)).is_err());
}

#[test]
fn a_symlink_to_dev_zero_is_refused_not_read_forever() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mining.json");
    std::os::unix::fs::symlink("/dev/zero", &path).expect("symlink");
    let err = read_regular(&path, 1024).expect_err("a device");
    assert!(
        matches!(
            err,
            ReadFileError::NotRegular {
                kind: "a character device",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_directory_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = read_regular(dir.path(), 1024).expect_err("a directory");
    assert!(matches!(err, ReadFileError::NotRegular { .. }), "{err:?}");
}

#[test]
fn a_file_over_the_cap_is_refused_with_its_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big");
    std::fs::write(&path, vec![b'x'; 2000]).expect("write");
    let err = read_regular(&path, 1000).expect_err("too large");
    assert!(
        matches!(
            err,
            ReadFileError::TooLarge {
                size: 2000,
                cap: 1000,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("2000 bytes"), "{err}");
}
