//! The image build path on a real engine: a local fixture repository whose Dockerfile starts
//! `FROM` the locally built stand-in, built by the Docker CLI (buildx, or the classic builder
//! where buildx is missing), then run.

use std::sync::Arc;

use jarvis_mining::MiningProvider;
use jarvis_mining::config::DEFAULT_DOCKER_IMAGE_TAG;
use jarvis_mining::progress::ProgressEvent;
use jarvis_mining::provider::StopOptions;
use jarvis_testkit::real_engine::{find_on_path, gpu_engine, plain_engine};
use jarvis_vllm_pearl::ProviderSettings;
use jarvis_vllm_pearl::source::{BuildPlan, build_from_source};

use super::{EngineRig, skipped};
use crate::build::fixture_with;
use crate::rig::{Recorder, config, options, settings};

/// Whether the Docker CLI here has buildx (else jarvis must say it falls back).
fn has_buildx() -> bool {
    std::process::Command::new("docker")
        .args(["buildx", "version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn builder_warning(events: &[ProgressEvent]) -> bool {
    events
        .iter()
        .any(|e| matches!(e, ProgressEvent::Warning(w) if w.contains("classic builder") && w.contains("buildx")))
}

#[tokio::test]
async fn the_default_image_is_built_from_a_local_repository_and_runs() {
    if skipped("vllm_image::the_default_image_is_built_from_a_local_repository_and_runs") {
        return;
    }
    let rig = EngineRig::on(gpu_engine()).await;
    let mut section = rig.section();
    let base = section.extra.docker_image_tag.clone();
    let _ = rig.daemon.docker(&["rmi", "-f", DEFAULT_DOCKER_IMAGE_TAG]);
    let (repo, sha) = fixture_with(
        &rig.root(),
        &format!("FROM {base}\nRUN [\"/bin/busybox\", \"echo\", \"compiling Pearl kernels\"]\n"),
    );
    section.extra.docker_image_tag = DEFAULT_DOCKER_IMAGE_TAG.to_owned();
    section.extra.pearl_ref = Some(sha.clone());
    let mut provider = rig.provider().with_settings(ProviderSettings {
        pearl_repo_url: repo.display().to_string(),
        docker_cli: find_on_path("docker").expect("docker CLI"),
        ..settings()
    });
    let progress = Arc::new(Recorder::default());
    let started = provider
        .start(&config(&section), &options(false, progress.clone()))
        .await;
    let events = progress.events();
    let _cleanup = scopeguard(rig.daemon);
    started.unwrap_or_else(|e| panic!("{e}\nprogress: {events:#?}"));

    assert!(
        events
            .iter()
            .any(|e| matches!(e, ProgressEvent::Warning(w) if w.contains("could not be pulled"))),
        "{events:#?}"
    );
    assert_eq!(builder_warning(&events), !has_buildx(), "{events:#?}");
    assert!(
        events.iter().any(|e| matches!(e, ProgressEvent::Line(l) if l.starts_with("[00m") && l.contains("compiling Pearl kernels"))),
        "build output is streamed with the elapsed time: {events:#?}"
    );
    let image = rig
        .daemon
        .inspect(DEFAULT_DOCKER_IMAGE_TAG)
        .expect("the image was built");
    assert_eq!(
        image["Config"]["Labels"]["jarvis.pearl-commit"],
        sha.as_str()
    );
    assert_eq!(image["Config"]["Labels"]["jarvis.pearl-ref"], sha.as_str());
    let container = rig.container().expect("the container runs");
    assert_eq!(container["Image"], image["Id"]);
    assert_eq!(container["State"]["Status"], "running");
    provider.stop(&StopOptions::default()).await.unwrap();
}

/// Removes the default tag when the test ends, however it ends.
fn scopeguard(daemon: &'static jarvis_testkit::real_engine::PrivateDockerd) -> impl Drop {
    struct Rmi(&'static jarvis_testkit::real_engine::PrivateDockerd);
    impl Drop for Rmi {
        fn drop(&mut self) {
            let _ = self.0.docker(&["rmi", "-f", DEFAULT_DOCKER_IMAGE_TAG]);
        }
    }
    Rmi(daemon)
}

#[tokio::test]
async fn a_failed_build_shows_its_last_lines() {
    if skipped("vllm_image::a_failed_build_shows_its_last_lines") {
        return;
    }
    let daemon = plain_engine();
    let base = daemon.standin_image().to_owned();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    let (repo, sha) = fixture_with(
        &root,
        &format!(
            "FROM {base}\nRUN [\"/bin/busybox\", \"sh\", \"-c\", \"echo 'nvcc fatal: unsupported gpu architecture sm_90a'; exit 7\"]\n"
        ),
    );
    let tag = "jarvis-test/failed-build:1";
    let plan = BuildPlan {
        cache_dir: root.join("oj/cache/pearl"),
        repo_url: repo.display().to_string(),
        pearl_ref: sha,
        docker_cli: find_on_path("docker").expect("docker CLI"),
        docker_host: daemon.host(),
    };
    let progress = Recorder::default();
    let err = build_from_source(&plan, tag, &progress)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains(&format!("miner image '{tag}'")), "{err}");
    assert!(err.contains("docker build failed (exit"), "{err}");
    assert!(
        err.contains("nvcc fatal: unsupported gpu architecture"),
        "{err}"
    );
    assert!(err.contains("7"), "the failing step's status: {err}");
    assert_eq!(builder_warning(&progress.events()), !has_buildx());
    assert!(daemon.inspect(tag).is_none());
}
