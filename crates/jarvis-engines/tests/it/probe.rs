//! Probes against live fakes: up, down, HTTP errors, hung servers, concurrency.

use std::time::Duration;

use jarvis_engines::{Engine, Health, Origin, Protocol, probe_all};
use jarvis_testkit::fake_ollama::FakeOllama;
use jarvis_testkit::fake_vllm::{FakeVllm, FakeVllmOptions, VllmFault};

fn engine(id: &str, protocol: Protocol, url: &str) -> Engine {
    Engine {
        id: id.into(),
        protocol,
        url: url.into(),
        model: None,
        api_key_env: None,
        origin: Origin::Config,
    }
}

/// A loopback URL nothing listens on.
fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[tokio::test]
async fn up_engines_list_their_models_and_down_ones_say_why() {
    let vllm = FakeVllm::start(FakeVllmOptions::default()).await;
    let ollama = FakeOllama::start(vec!["llama3.2:latest".into()], "hi").await;
    let broken = FakeVllm::start(FakeVllmOptions {
        fault: VllmFault::Status {
            code: 500,
            message: "boom".into(),
        },
        ..FakeVllmOptions::default()
    })
    .await;
    let engines = vec![
        engine("vllm", Protocol::OpenAi, &vllm.v1_url()),
        engine("ollama", Protocol::Ollama, &ollama.url()),
        engine("dead", Protocol::OpenAi, &format!("{}/v1", dead_url())),
        engine("broken", Protocol::OpenAi, &broken.v1_url()),
    ];
    let results = probe_all(&engines, Duration::from_secs(5)).await;
    let ids: Vec<&str> = results.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["vllm", "ollama", "dead", "broken"]);
    assert_eq!(
        results[0].health,
        Health::Up {
            models: vec!["pearl-ai/Llama-3.3-70B-Instruct-pearl".into()]
        }
    );
    assert_eq!(results[0].url, format!("{}/models", vllm.v1_url()));
    assert_eq!(
        results[1].health,
        Health::Up {
            models: vec!["llama3.2:latest".into()]
        }
    );
    assert!(matches!(&results[2].health, Health::Down { detail } if detail.contains("refused")));
    assert_eq!(
        results[3].health,
        Health::Down {
            detail: "HTTP 500".into()
        }
    );
    assert_eq!(vllm.requests()[0].path, "/v1/models");
    assert_eq!(ollama.requests()[0].path, "/api/tags");
}

#[tokio::test]
async fn hung_engines_time_out_while_the_others_are_probed() {
    let hung = FakeVllm::start(FakeVllmOptions {
        fault: VllmFault::Hang,
        ..FakeVllmOptions::default()
    })
    .await;
    let hung2 = FakeVllm::start(FakeVllmOptions {
        fault: VllmFault::Hang,
        ..FakeVllmOptions::default()
    })
    .await;
    let good = FakeVllm::start(FakeVllmOptions::default()).await;
    let engines = vec![
        engine("a", Protocol::OpenAi, &hung.v1_url()),
        engine("b", Protocol::OpenAi, &hung2.v1_url()),
        engine("c", Protocol::OpenAi, &good.v1_url()),
    ];
    let results = probe_all(&engines, Duration::from_millis(300)).await;
    assert!(matches!(&results[0].health, Health::Down { detail } if detail == "timed out"));
    assert!(matches!(&results[1].health, Health::Down { detail } if detail == "timed out"));
    assert!(results[2].is_up());
    // Both hung probes were in flight at once: each fake saw its request.
    assert_eq!(hung.requests().len(), 1);
    assert_eq!(hung2.requests().len(), 1);
}

#[tokio::test]
async fn a_non_openai_server_is_down_not_up() {
    let ollama = FakeOllama::start(vec!["m".into()], "hi").await;
    let results = probe_all(
        &[engine(
            "x",
            Protocol::OpenAi,
            &format!("{}/v1", ollama.url()),
        )],
        Duration::from_secs(5),
    )
    .await;
    assert!(matches!(&results[0].health, Health::Down { detail } if detail.contains("HTTP 404")));
}
