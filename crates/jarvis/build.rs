//! Names the commit this binary is built from, for `jarvis --version`: `JARVIS_VERSION`, e.g.
//! `0.1.0 (commit 4ea05ea1c2d3, 2026-12-03)`. Packagers building outside a checkout can set
//! `JARVIS_BUILD_COMMIT`; without git or a `.git` (a `cargo install` from a tarball) the
//! version says the commit is unknown instead of failing the build.

use std::path::Path;
use std::process::Command;

fn main() {
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".to_owned());
    println!("cargo:rerun-if-env-changed=JARVIS_BUILD_COMMIT");
    println!("cargo:rerun-if-changed=build.rs");
    let commit = match std::env::var("JARVIS_BUILD_COMMIT") {
        Ok(commit) if !commit.trim().is_empty() => format!("commit {}", commit.trim()),
        _ => from_git(Path::new(&dir))
            .unwrap_or_else(|| "commit unknown: built outside a git checkout".to_owned()),
    };
    println!("cargo:rustc-env=JARVIS_VERSION={version} ({commit})");
}

/// `commit <12 hex digits>, <commit date>` of HEAD, and the files that change with it.
fn from_git(dir: &Path) -> Option<String> {
    let git = |args: &[&str]| -> Option<String> {
        let output = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .ok()?;
        let text = String::from_utf8(output.stdout).ok()?;
        (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
    };
    let line = git(&["log", "-1", "--format=%h %cs", "--abbrev=12"])?;
    let (hash, date) = line.split_once(' ')?;
    // Rebuild when HEAD moves: HEAD itself, the branch it points at, and packed refs.
    let mut watched = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.push(branch);
    }
    for name in watched {
        // A path that does not exist would make cargo rerun this script on every build.
        if let Some(path) = git(&["rev-parse", "--path-format=absolute", "--git-path", &name])
            .filter(|path| Path::new(path).exists())
        {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    Some(format!("commit {hash}, {date}"))
}
