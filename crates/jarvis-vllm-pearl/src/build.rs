//! `docker buildx build` of the miner image in the Pearl source cache, through the Docker CLI:
//! Pearl's Dockerfile uses `RUN --mount=type=cache`, which only BuildKit runs. Where the CLI
//! has no buildx plugin the classic builder is used, with a warning. Output is streamed with
//! the elapsed time; a failed build reports its exit status and last lines.

use std::collections::VecDeque;
use std::process::Stdio;
use std::time::Instant;

use jarvis_mining::error::MiningError;
use jarvis_mining::progress::{Progress, ProgressEvent};
use tokio::io::{AsyncBufReadExt, BufReader};

use super::image::{LABEL_PEARL_COMMIT, LABEL_PEARL_REF};
use super::source::{BuildPlan, DOCKERFILE, image_error};

/// Pearl's build opens more files than Docker's default limit allows.
const NOFILE_ULIMIT: &str = "nofile=1048576:1048576";
/// Lines of output a failed build reports.
const TAIL_LINES: usize = 10;

/// Which image builder the Docker CLI offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Builder {
    /// `docker buildx build` (BuildKit).
    Buildx,
    /// `DOCKER_BUILDKIT=0 docker build`, where the buildx plugin is missing.
    Classic,
}

/// A build that ran and failed.
struct Failed {
    code: String,
    tail: Vec<String>,
}

/// Builds `tag` from the cache at `commit`, labelled with the ref and commit.
pub(super) async fn run_build(
    plan: &BuildPlan,
    tag: &str,
    commit: &str,
    progress: &dyn Progress,
) -> Result<(), MiningError> {
    let builder = detect_builder(plan).await;
    if builder == Builder::Classic {
        progress.event(ProgressEvent::Warning(
            "the Docker CLI has no buildx plugin: building with the classic builder \
             (DOCKER_BUILDKIT=0 docker build), which cannot run `RUN --mount` steps; if the build \
             fails, install buildx (Debian: docker-buildx; Docker's packages: docker-buildx-plugin)"
                .to_owned(),
        ));
    }
    let labels = [
        format!("{LABEL_PEARL_REF}={}", plan.pearl_ref),
        format!("{LABEL_PEARL_COMMIT}={commit}"),
    ];
    let mut result = run_cli(
        plan,
        tag,
        &args(builder, true, &labels, tag),
        builder,
        progress,
    )
    .await?;
    if let Err(failed) = &result
        && failed
            .tail
            .iter()
            .any(|l| l.contains("error setting rlimit"))
    {
        progress.event(ProgressEvent::Warning(format!(
            "the engine cannot raise the build's open-files limit ({NOFILE_ULIMIT}): dockerd runs \
             with a lower hard limit (as inside a container); building again without --ulimit \
             (raise dockerd's LimitNOFILE if the build runs out of file descriptors)"
        )));
        result = run_cli(
            plan,
            tag,
            &args(builder, false, &labels, tag),
            builder,
            progress,
        )
        .await?;
    }
    result.map_err(|failed| {
        image_error(
            tag,
            format!(
                "docker build failed (exit {}): {}",
                failed.code,
                failed.tail.join(" | ")
            ),
            &format!(
                "fix the error above, or build by hand in {} with `docker buildx build -t {tag} -f {DOCKERFILE} .`",
                plan.cache_dir.display()
            ),
        )
    })
}

/// `docker buildx version` answers: BuildKit; otherwise the classic builder.
async fn detect_builder(plan: &BuildPlan) -> Builder {
    let buildx = tokio::process::Command::new(&plan.docker_cli)
        .args(["buildx", "version"])
        .env("DOCKER_HOST", &plan.docker_host)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await
        .is_ok_and(|s| s.success());
    if buildx {
        Builder::Buildx
    } else {
        Builder::Classic
    }
}

fn args(builder: Builder, ulimit: bool, labels: &[String], tag: &str) -> Vec<String> {
    let mut args: Vec<&str> = match builder {
        Builder::Buildx => vec!["buildx", "build", "--progress", "plain", "--load"],
        Builder::Classic => vec!["build"],
    };
    if ulimit {
        args.extend(["--ulimit", NOFILE_ULIMIT]);
    }
    for label in labels {
        args.extend(["--label", label]);
    }
    args.extend(["-t", tag, "-f", DOCKERFILE, "."]);
    args.into_iter().map(str::to_owned).collect()
}

/// Runs the CLI in the cache, streaming its output; `Ok(Err(..))` when the build failed.
async fn run_cli(
    plan: &BuildPlan,
    tag: &str,
    args: &[String],
    builder: Builder,
    progress: &dyn Progress,
) -> Result<Result<(), Failed>, MiningError> {
    let shown = args.iter().take(2).cloned().collect::<Vec<_>>().join(" ");
    let mut child = tokio::process::Command::new(&plan.docker_cli)
        .args(args)
        .current_dir(&plan.cache_dir)
        .env("DOCKER_HOST", &plan.docker_host)
        .env(
            "DOCKER_BUILDKIT",
            if builder == Builder::Buildx { "1" } else { "0" },
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            image_error(
                tag,
                format!("cannot run `{} {shown}`: {e}", plan.docker_cli.display()),
                "install the Docker CLI with the buildx plugin, or pull/build the image yourself and set [mining.extra].docker_image_tag",
            )
        })?;
    let started = Instant::now();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    for pipe in [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(pipe).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);
    let mut last = VecDeque::with_capacity(TAIL_LINES);
    while let Some(line) = rx.recv().await {
        let secs = started.elapsed().as_secs();
        progress.event(ProgressEvent::Line(format!(
            "[{:02}m{:02}s] {line}",
            secs / 60,
            secs % 60
        )));
        if last.len() == TAIL_LINES {
            last.pop_front();
        }
        last.push_back(line);
    }
    let status = child.wait().await.map_err(|e| {
        image_error(
            tag,
            format!("docker build did not finish: {e}"),
            "run `jarvis mine start` again",
        )
    })?;
    if status.success() {
        return Ok(Ok(()));
    }
    Ok(Err(Failed {
        code: status.code().map_or("signal".to_owned(), |c| c.to_string()),
        tail: last.into_iter().collect(),
    }))
}
