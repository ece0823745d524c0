//! `jarvis engines`: one row per engine with its state; `*` marks the preferred one.

use jarvis_engines::{Engine, Health, ProbeResult};

use crate::output::{Doc, Table};

/// The engines, each with its probe.
pub(crate) fn list(engines: &[Engine], probes: &[ProbeResult], preferred: Option<&str>) -> Doc {
    let mut table = Table::new(2, &["", "engine", "url", "state"]);
    for (engine, probe) in engines.iter().zip(probes) {
        let mark = if Some(engine.id.as_str()) == preferred {
            "*"
        } else {
            ""
        };
        let mut state = state(probe);
        if let Some(model) = &engine.model {
            state.push_str(&format!("\nmodel: {model}"));
        }
        table.row(vec![
            mark.to_owned(),
            engine.id.clone(),
            engine.url.clone(),
            state,
        ]);
    }
    let mut doc = Doc::new();
    doc.heading(format!(
        "Inference engines (preferred: {})",
        preferred.unwrap_or("none found")
    ));
    if !engines.is_empty() {
        doc.table(table);
    }
    doc
}

/// `up (12 ms): model-a (+2 more)` or `down: why`.
fn state(probe: &ProbeResult) -> String {
    match &probe.health {
        Health::Up { models } => {
            let listed = match models.as_slice() {
                [] => "no models".to_owned(),
                [one] => one.clone(),
                [first, rest @ ..] => format!("{first} (+{} more)", rest.len()),
            };
            format!("up ({} ms): {listed}", probe.latency_ms)
        }
        Health::Down { detail } => format!("down: {detail}"),
    }
}

/// What `jarvis ask` says on stderr before the reply.
pub(crate) fn asking(engine: &Engine, model: &str) -> String {
    format!("engine: {} ({}), model: {model}", engine.id, engine.url)
}

#[cfg(test)]
mod tests {
    use jarvis_engines::{Origin, Protocol};

    use super::*;
    use crate::views::plain;

    fn engine(
        id: &str,
        protocol: Protocol,
        url: &str,
        model: Option<&str>,
        origin: Origin,
    ) -> Engine {
        Engine {
            id: id.to_owned(),
            protocol,
            url: url.to_owned(),
            model: model.map(str::to_owned),
            api_key_env: None,
            origin,
        }
    }

    fn probe(engine: &Engine, health: Health, latency_ms: u64) -> ProbeResult {
        ProbeResult {
            id: engine.id.clone(),
            url: format!("{}/models", engine.url),
            health,
            latency_ms,
        }
    }

    #[test]
    fn mining_engine_preferred_and_one_down() {
        let engines = vec![
            engine(
                "vllm-pearl-mining",
                Protocol::OpenAi,
                "http://127.0.0.1:8000/v1",
                Some("pearl-ai/Llama-3.3-70B-Instruct-pearl"),
                Origin::MiningSidecar,
            ),
            engine(
                "vllm",
                Protocol::OpenAi,
                "http://127.0.0.1:8001/v1",
                None,
                Origin::Default,
            ),
            engine(
                "ollama",
                Protocol::Ollama,
                "http://127.0.0.1:11434",
                None,
                Origin::Default,
            ),
        ];
        let probes = vec![
            probe(
                &engines[0],
                Health::Up {
                    models: vec!["pearl-ai/Llama-3.3-70B-Instruct-pearl".to_owned()],
                },
                14,
            ),
            probe(
                &engines[1],
                Health::Down {
                    detail: "connection refused (http://127.0.0.1:8001/v1/models)".to_owned(),
                },
                0,
            ),
            probe(
                &engines[2],
                Health::Up {
                    models: vec![
                        "llama3.2:latest".to_owned(),
                        "qwen3:8b".to_owned(),
                        "gemma3:4b".to_owned(),
                    ],
                },
                3,
            ),
        ];
        insta::assert_snapshot!(plain(&list(&engines, &probes, Some("vllm-pearl-mining"))));
    }

    #[test]
    fn ask_names_the_engine_it_uses() {
        let e = engine(
            "ollama",
            Protocol::Ollama,
            "http://127.0.0.1:11434",
            None,
            Origin::Config,
        );
        assert_eq!(
            asking(&e, "llama3.2:latest"),
            "engine: ollama (http://127.0.0.1:11434), model: llama3.2:latest"
        );
    }

    #[test]
    fn nothing_found() {
        assert_eq!(
            plain(&list(&[], &[], None)),
            "Inference engines (preferred: none found)\n"
        );
    }
}
