//! `TestEnv`: an isolated HOME / OPENJARVIS_HOME for running the CLI in tests.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary HOME and OPENJARVIS_HOME, removed on drop.
pub struct TestEnv {
    _root: tempfile::TempDir,
    home: PathBuf,
    oj_home: PathBuf,
    path: Option<OsString>,
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl TestEnv {
    /// Creates `<tmp>/home` (HOME) and `<tmp>/home/.openjarvis` (OPENJARVIS_HOME).
    pub fn new() -> TestEnv {
        let root = tempfile::Builder::new()
            .prefix("jarvis-test-")
            .tempdir()
            .expect("create a temporary directory for TestEnv");
        // Canonical paths, so assertions on printed paths match (macOS /var -> /private/var).
        let base = root
            .path()
            .canonicalize()
            .unwrap_or_else(|_| root.path().to_path_buf());
        let home = base.join("home");
        let oj_home = home.join(".openjarvis");
        std::fs::create_dir_all(&oj_home).expect("create the TestEnv home directories");
        TestEnv {
            _root: root,
            home,
            oj_home,
            path: std::env::var_os("PATH"),
        }
    }

    /// The temporary HOME.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The temporary OPENJARVIS_HOME (`<home>/.openjarvis`).
    pub fn oj_home(&self) -> &Path {
        &self.oj_home
    }

    /// `<oj_home>/config.toml`, where the CLI looks for its config.
    pub fn config_path(&self) -> PathBuf {
        self.oj_home.join("config.toml")
    }

    /// Writes `toml` to [`TestEnv::config_path`] and returns that path.
    pub fn write_config(&self, toml: &str) -> PathBuf {
        let path = self.config_path();
        std::fs::write(&path, toml).expect("write the TestEnv config.toml");
        path
    }

    /// A command for `bin` with a cleared environment: only PATH, HOME, OPENJARVIS_HOME and
    /// NO_COLOR=1 are set, and the working directory is the temporary HOME.
    pub fn command(&self, bin: &Path) -> Command {
        let mut cmd = Command::new(bin);
        cmd.env_clear()
            .env("HOME", &self.home)
            .env("OPENJARVIS_HOME", &self.oj_home)
            .env("NO_COLOR", "1")
            .current_dir(&self.home);
        if let Some(path) = &self.path {
            cmd.env("PATH", path);
        }
        cmd
    }

    /// Runs the command to completion and captures its output.
    pub fn run(&self, cmd: &mut Command) -> RunOutput {
        let description = describe(cmd);
        let output = cmd
            .output()
            .unwrap_or_else(|e| panic!("failed to spawn `{description}`: {e}"));
        RunOutput {
            command: description,
            output,
        }
    }
}

/// A finished command; its assertions print the command, status, stdout and stderr on failure.
#[derive(Debug)]
pub struct RunOutput {
    /// The command line that ran (program and arguments; environment values are not shown).
    pub command: String,
    /// The raw output.
    pub output: Output,
}

impl RunOutput {
    /// Stdout as (lossy) UTF-8.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    /// Stderr as (lossy) UTF-8.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// The exit code (`None` if killed by a signal).
    pub fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    /// Asserts exit code 0.
    #[track_caller]
    pub fn assert_success(&self) -> &Self {
        if !self.output.status.success() {
            self.fail("expected success");
        }
        self
    }

    /// Asserts a non-zero exit (or death by signal).
    #[track_caller]
    pub fn assert_failure(&self) -> &Self {
        if self.output.status.success() {
            self.fail("expected failure");
        }
        self
    }

    /// Asserts this exact exit code.
    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        if self.code() != Some(code) {
            self.fail(&format!("expected exit code {code}"));
        }
        self
    }

    /// Asserts stdout contains `needle`.
    #[track_caller]
    pub fn assert_stdout_contains(&self, needle: &str) -> &Self {
        if !self.stdout().contains(needle) {
            self.fail(&format!("expected stdout to contain {needle:?}"));
        }
        self
    }

    /// Asserts stderr contains `needle`.
    #[track_caller]
    pub fn assert_stderr_contains(&self, needle: &str) -> &Self {
        if !self.stderr().contains(needle) {
            self.fail(&format!("expected stderr to contain {needle:?}"));
        }
        self
    }

    /// Asserts neither stdout nor stderr contains `needle` (e.g. a secret).
    #[track_caller]
    pub fn assert_output_lacks(&self, needle: &str) -> &Self {
        if self.stdout().contains(needle) || self.stderr().contains(needle) {
            self.fail(&format!("expected no output to contain {needle:?}"));
        }
        self
    }

    #[track_caller]
    fn fail(&self, what: &str) -> ! {
        panic!("{what}\n{}", self.report())
    }

    /// Command, status, stdout and stderr, for failure messages.
    pub fn report(&self) -> String {
        let mut text = String::new();
        let _ = writeln!(text, "command: {}", self.command);
        let _ = writeln!(text, "status: {}", self.output.status);
        let _ = writeln!(text, "--- stdout ---\n{}", self.stdout());
        let _ = write!(text, "--- stderr ---\n{}", self.stderr());
        text
    }
}

fn describe(cmd: &Command) -> String {
    let mut text = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}
