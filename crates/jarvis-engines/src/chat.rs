//! One chat turn against an engine, streamed (OpenAI SSE / Ollama NDJSON) or not.

use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Value, json};

use crate::discovery::Engine;
use crate::error::{EngineError, first_line};
use crate::probe::authorize;
use crate::registry::Protocol;
use crate::stream::{NdjsonDecoder, SseDecoder};
use jarvis_http::describe;

/// Most bytes of an error body read for its message.
const MAX_ERROR_BODY: usize = 64 * 1024;
/// Most bytes of a non-streamed reply.
const MAX_REPLY_BYTES: usize = 64 * 1024 * 1024;

/// What to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatRequest {
    /// The user's prompt.
    pub prompt: String,
    /// The model id.
    pub model: String,
    /// Stream tokens as they arrive.
    pub stream: bool,
    /// Cap on generated tokens (`None`: the server's default).
    pub max_tokens: Option<u32>,
    /// Longest wait for the reply head and, when streaming, between two chunks.
    pub idle_timeout: Duration,
}

/// The finished turn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatOutcome {
    /// The whole reply text.
    pub text: String,
    /// Engine that served it.
    pub engine: String,
    /// Its base URL.
    pub url: String,
    /// Model that answered.
    pub model: String,
    /// Prompt tokens, when the engine reports them.
    pub prompt_tokens: Option<u64>,
    /// Generated tokens (the engine's count, else the number of content chunks).
    pub completion_tokens: u64,
    /// Why generation stopped (`stop`, `length`), when reported.
    pub finish_reason: Option<String>,
    /// Milliseconds from sending to the first text (streaming only).
    pub first_token_ms: Option<u64>,
    /// Milliseconds from sending to the end of the reply.
    pub latency_ms: u64,
}

#[derive(Default)]
struct Tally {
    text: String,
    chunks: u64,
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
    finish_reason: Option<String>,
    first_token_ms: Option<u64>,
    done: bool,
}

fn ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Sends `request` to `engine`; calls `on_text` with each piece of text as it arrives.
pub async fn chat(
    client: &reqwest::Client,
    engine: &Engine,
    request: &ChatRequest,
    on_text: &mut (dyn FnMut(&str) + Send),
) -> Result<ChatOutcome, EngineError> {
    let mut body = json!({"model": request.model, "stream": request.stream,
        "messages": [{"role": "user", "content": request.prompt}]});
    let url = match engine.protocol {
        Protocol::OpenAi => {
            if request.stream {
                body["stream_options"] = json!({"include_usage": true});
            }
            if let Some(max) = request.max_tokens {
                body["max_tokens"] = json!(max);
            }
            format!("{}/chat/completions", engine.url)
        }
        Protocol::Ollama => {
            if let Some(max) = request.max_tokens {
                body["options"] = json!({"num_predict": max});
            }
            format!("{}/api/chat", engine.url)
        }
    };
    let started = Instant::now();
    let unreachable = |detail: String| EngineError::Unreachable {
        engine: engine.id.clone(),
        url: url.clone(),
        detail,
    };
    let send = authorize(client.post(&url).json(&body), engine).send();
    let mut response = tokio::time::timeout(request.idle_timeout, send)
        .await
        .map_err(|_| unreachable("timed out waiting for the reply".to_owned()))?
        .map_err(|e| unreachable(describe(&e)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(http_error(engine, &url, status.as_u16(), response).await);
    }
    let protocol_err = |detail: String| EngineError::Protocol {
        engine: engine.id.clone(),
        url: url.clone(),
        detail,
        protocol: engine.protocol.name(),
    };
    let mut tally = Tally::default();
    let mut sse = SseDecoder::new();
    let mut ndjson = NdjsonDecoder::new();
    let mut whole = Vec::new();
    loop {
        let chunk = tokio::time::timeout(request.idle_timeout, response.chunk())
            .await
            .map_err(|_| unreachable("stopped sending before the reply ended".to_owned()))?
            .map_err(|e| unreachable(describe(&e)))?;
        let Some(bytes) = chunk else { break };
        if !request.stream {
            if whole.len() + bytes.len() > MAX_REPLY_BYTES {
                return Err(protocol_err("reply larger than 64 MiB".to_owned()));
            }
            whole.extend_from_slice(&bytes);
            continue;
        }
        let items = match engine.protocol {
            Protocol::OpenAi => sse.feed(&bytes),
            Protocol::Ollama => ndjson.feed(&bytes),
        }
        .map_err(|e| protocol_err(e.to_string()))?;
        for item in items {
            handle_item(engine.protocol, &item, &mut tally, started, on_text)
                .map_err(&protocol_err)?;
        }
        if tally.done {
            break;
        }
    }
    if request.stream {
        let rest: Vec<String> = match engine.protocol {
            Protocol::OpenAi => sse.finish(),
            Protocol::Ollama => ndjson.finish().into_iter().collect(),
        };
        for item in rest {
            handle_item(engine.protocol, &item, &mut tally, started, on_text)
                .map_err(&protocol_err)?;
        }
        if !tally.done {
            return Err(unreachable(
                "the stream ended before the engine said it was done".to_owned(),
            ));
        }
    } else {
        let value: Value = serde_json::from_slice(&whole)
            .map_err(|e| protocol_err(format!("reply is not JSON ({e})")))?;
        whole_reply(engine.protocol, &value, &mut tally).map_err(&protocol_err)?;
        if !tally.text.is_empty() {
            on_text(&tally.text);
        }
    }
    Ok(ChatOutcome {
        completion_tokens: tally.completion_tokens.unwrap_or(tally.chunks),
        text: tally.text,
        engine: engine.id.clone(),
        url: engine.url.clone(),
        model: request.model.clone(),
        prompt_tokens: tally.prompt_tokens,
        finish_reason: tally.finish_reason,
        first_token_ms: tally.first_token_ms,
        latency_ms: ms(started),
    })
}

/// One streamed item: an SSE data payload or an NDJSON line.
fn handle_item(
    protocol: Protocol,
    item: &str,
    tally: &mut Tally,
    started: Instant,
    on_text: &mut (dyn FnMut(&str) + Send),
) -> Result<(), String> {
    if protocol == Protocol::OpenAi && item.trim() == "[DONE]" {
        tally.done = true;
        return Ok(());
    }
    let value: Value =
        serde_json::from_str(item).map_err(|e| format!("a streamed item is not JSON ({e})"))?;
    if let Some(error) = value.get("error") {
        return Err(format!(
            "the engine reported an error mid-stream: {}",
            error_text(error)
        ));
    }
    let piece = match protocol {
        Protocol::OpenAi => {
            if let Some(reason) = value
                .pointer("/choices/0/finish_reason")
                .and_then(Value::as_str)
            {
                tally.finish_reason = Some(reason.to_owned());
            }
            usage(
                &value,
                "/usage/prompt_tokens",
                "/usage/completion_tokens",
                tally,
            );
            value
                .pointer("/choices/0/delta/content")
                .and_then(Value::as_str)
        }
        Protocol::Ollama => {
            if value.get("done").and_then(Value::as_bool) == Some(true) {
                tally.done = true;
                tally.finish_reason = value
                    .get("done_reason")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                usage(&value, "/prompt_eval_count", "/eval_count", tally);
            }
            value.pointer("/message/content").and_then(Value::as_str)
        }
    };
    if let Some(text) = piece.filter(|t| !t.is_empty()) {
        tally.first_token_ms.get_or_insert_with(|| ms(started));
        tally.chunks += 1;
        tally.text.push_str(text);
        on_text(text);
    }
    Ok(())
}

fn usage(value: &Value, prompt: &str, completion: &str, tally: &mut Tally) {
    if let Some(n) = value.pointer(prompt).and_then(Value::as_u64) {
        tally.prompt_tokens = Some(n);
    }
    if let Some(n) = value.pointer(completion).and_then(Value::as_u64) {
        tally.completion_tokens = Some(n);
    }
}

fn whole_reply(protocol: Protocol, value: &Value, tally: &mut Tally) -> Result<(), String> {
    let text = match protocol {
        Protocol::OpenAi => {
            let choices = value
                .get("choices")
                .and_then(Value::as_array)
                .ok_or("no choices in the reply")?;
            let first = choices.first().ok_or("the reply has no choices")?;
            tally.finish_reason = first
                .get("finish_reason")
                .and_then(Value::as_str)
                .map(str::to_owned);
            usage(
                value,
                "/usage/prompt_tokens",
                "/usage/completion_tokens",
                tally,
            );
            first.pointer("/message/content").and_then(Value::as_str)
        }
        Protocol::Ollama => {
            tally.finish_reason = value
                .get("done_reason")
                .and_then(Value::as_str)
                .map(str::to_owned);
            usage(value, "/prompt_eval_count", "/eval_count", tally);
            value.pointer("/message/content").and_then(Value::as_str)
        }
    };
    tally.text = text.unwrap_or_default().to_owned();
    tally.chunks = u64::from(!tally.text.is_empty());
    tally.done = true;
    Ok(())
}

/// The message inside an error value: a string, `{message}` or `{error}`.
fn error_text(error: &Value) -> String {
    let text = error
        .as_str()
        .or_else(|| error.get("message").and_then(Value::as_str))
        .map_or_else(|| error.to_string(), str::to_owned);
    first_line(&text)
}

async fn http_error(
    engine: &Engine,
    url: &str,
    status: u16,
    mut response: reqwest::Response,
) -> EngineError {
    let mut body = Vec::new();
    while body.len() < MAX_ERROR_BODY {
        match response.chunk().await {
            Ok(Some(bytes)) => body.extend_from_slice(&bytes),
            _ => break,
        }
    }
    let message = match serde_json::from_slice::<Value>(&body) {
        Ok(v) => ["message", "error", "detail"]
            .iter()
            .find_map(|k| v.get(*k))
            .map_or_else(|| first_line(&v.to_string()), error_text),
        Err(_) => first_line(&String::from_utf8_lossy(&body)),
    };
    let fix = match status {
        401 | 403 => match &engine.api_key_env {
            Some(name) => format!("check the API key in ${name}"),
            None => "the engine wants an API key: set api_key_env under [engine.openai-compatible]"
                .to_owned(),
        },
        404 => "check the model id against `jarvis engines` (or pass --model)".to_owned(),
        _ => "check the engine's logs".to_owned(),
    };
    EngineError::Http {
        engine: engine.id.clone(),
        url: url.to_owned(),
        status,
        message: if message.is_empty() {
            "(no message)".to_owned()
        } else {
            message
        },
        fix,
    }
}
