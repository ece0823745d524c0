//! What the std library does not offer: no-echo password prompts, the
//! key-at-a-time mode of `mine status --watch`, and the user id. The jarvis crate's only `unsafe`.
#![allow(unsafe_code)]

use std::io::{self, BufRead as _, Write as _};
use std::os::fd::{AsRawFd as _, RawFd};

/// A terminal whose settings are restored on drop.
pub(crate) struct TermGuard {
    fd: RawFd,
    saved: libc::termios,
}

impl TermGuard {
    /// Changes stdin's terminal settings with `change`; the old ones come back on drop.
    fn stdin(change: impl FnOnce(&mut libc::termios)) -> io::Result<TermGuard> {
        let fd = io::stdin().as_raw_fd();
        // SAFETY: an all-zero termios is a valid value of this plain C struct.
        let mut saved: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: fd is our stdin; saved is a valid, writable termios.
        if unsafe { libc::tcgetattr(fd, &mut saved) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let mut changed = saved;
        change(&mut changed);
        // SAFETY: fd is our stdin; changed is a valid termios derived from the current one.
        if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &changed) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(TermGuard { fd, saved })
    }

    /// Keys arrive one at a time without echo; Ctrl-C still interrupts.
    pub(crate) fn cbreak() -> io::Result<TermGuard> {
        TermGuard::stdin(|t| {
            t.c_lflag &= !(libc::ICANON | libc::ECHO);
            t.c_cc[libc::VMIN] = 1;
            t.c_cc[libc::VTIME] = 0;
        })
    }

    /// Lines are typed without echo.
    fn no_echo() -> io::Result<TermGuard> {
        TermGuard::stdin(|t| t.c_lflag &= !libc::ECHO)
    }
}

impl Drop for TermGuard {
    fn drop(&mut self) {
        // SAFETY: restores the settings read from the same fd in `stdin`.
        unsafe { libc::tcsetattr(self.fd, libc::TCSANOW, &self.saved) };
    }
}

/// Asks for a secret on the terminal (prompt on stderr, typing not echoed).
pub(crate) fn prompt_secret(prompt: &str) -> io::Result<String> {
    let mut err = io::stderr().lock();
    write!(err, "{prompt}")?;
    err.flush()?;
    let guard = TermGuard::no_echo()?;
    let mut line = String::new();
    io::stdin().lock().read_line(&mut line)?;
    drop(guard);
    writeln!(err)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// The real user id of this process.
pub(crate) fn current_uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}
