//! `fake-vllm <model> --host H --port P [vllm serve flags...]`: the entrypoint of the stand-in
//! Pearl miner image the real-engine tests build. Takes `vllm serve`'s argv as the container's
//! `Cmd`, serves a [`FakeVllm`] (`/health`, `/v1/models`, chat completions with SSE, `/metrics`)
//! on `--host`/`--port`, logs like Pearl's container (gateway lines, one access line per request,
//! one `Received PlainProof submission` line per chat, since inference is mining), and exits on
//! SIGTERM/SIGINT (as PID 1 in a container a signal without a handler is ignored).
//!
//! Its startup log leaks `PEARLD_RPC_PASSWORD` and `HF_TOKEN` on purpose: jarvis must redact
//! them. `--standin-exit CODE` logs the startup lines and a CUDA error, then exits with CODE
//! (a miner that dies while loading).

// It imitates a program whose interface is its log on stdout and its errors on stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use jarvis_testkit::fake_vllm::{FakeVllm, FakeVllmOptions};
use tokio::signal::unix::{SignalKind, signal};

/// `vllm serve` flags that take a value (the rest are switches).
const VALUED: &[&str] = &[
    "--host",
    "--port",
    "--served-model-name",
    "--gpu-memory-utilization",
    "--max-model-len",
    "--quantization",
    "--tensor-parallel-size",
    "--dtype",
    "--standin-exit",
];

#[derive(Debug)]
struct Args {
    model: String,
    served_name: Option<String>,
    host: IpAddr,
    port: u16,
    exit_code: Option<u8>,
}

fn parse(argv: &[String]) -> Result<Args, String> {
    let mut args = Args {
        model: String::new(),
        served_name: None,
        host: IpAddr::from([0, 0, 0, 0]),
        port: 8000,
        exit_code: None,
    };
    let mut it = argv.iter();
    while let Some(arg) = it.next() {
        let name = arg.split_once('=').map_or(arg.as_str(), |(n, _)| n);
        if !name.starts_with("--") {
            if args.model.is_empty() {
                args.model.clone_from(arg);
            }
            continue;
        }
        if !VALUED.contains(&name) {
            continue;
        }
        let value = match arg.split_once('=') {
            Some((_, v)) => v.to_owned(),
            None => it.next().cloned().ok_or(format!("{name} needs a value"))?,
        };
        match name {
            "--host" => args.host = value.parse().map_err(|e| format!("--host {value}: {e}"))?,
            "--port" => args.port = value.parse().map_err(|e| format!("--port {value}: {e}"))?,
            "--served-model-name" => args.served_name = Some(value),
            "--standin-exit" => {
                args.exit_code = Some(value.parse().map_err(|e| format!("--standin-exit: {e}"))?);
            }
            _ => {}
        }
    }
    if args.model.is_empty() {
        return Err("usage: fake-vllm <model> --host H --port P [flags]".to_owned());
    }
    Ok(args)
}

fn startup_log(args: &Args) {
    let env = |k: &str| std::env::var(k).unwrap_or_default();
    println!(
        "INFO pearl-gateway: connecting to pearld {} as {}",
        env("PEARLD_RPC_URL"),
        env("PEARLD_RPC_USER")
    );
    println!(
        "DEBUG pearl-gateway: environment PEARLD_RPC_PASSWORD={} HF_TOKEN={}",
        env("PEARLD_RPC_PASSWORD"),
        env("HF_TOKEN")
    );
    println!("INFO PearlGateway started successfully");
    println!("INFO Updating block template to height 4410");
    println!(
        "INFO vllm: loading {} (CUDA_VISIBLE_DEVICES={})",
        args.model,
        env("CUDA_VISIBLE_DEVICES")
    );
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse(&argv) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    startup_log(&args);
    if let Some(code) = args.exit_code {
        eprintln!("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB");
        return ExitCode::from(code);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(serve(args))
}

async fn serve(args: Args) -> ExitCode {
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        eprintln!("cannot install signal handlers");
        return ExitCode::from(1);
    };
    let served = args
        .served_name
        .clone()
        .unwrap_or_else(|| args.model.clone());
    let options = FakeVllmOptions {
        models: vec![served.clone()],
        ..FakeVllmOptions::default()
    };
    let addr = SocketAddr::new(args.host, args.port);
    let vllm = match FakeVllm::start_on(addr, options).await {
        Ok(vllm) => vllm,
        Err(e) => {
            eprintln!("ERROR vllm: cannot bind {addr}: {e}");
            return ExitCode::from(1);
        }
    };
    println!("INFO vllm: serving {served} on http://{addr}");
    let mut logged = 0;
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    let mut proofs = 0_u64;
    loop {
        tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = tick.tick() => {
                let requests = vllm.requests();
                for r in requests.iter().skip(logged) {
                    println!("INFO: 127.0.0.1 - \"{} {} HTTP/1.1\"", r.method, r.path);
                    if r.path.starts_with("/v1/chat/completions") {
                        proofs += 1;
                        println!("INFO Received PlainProof submission for template time {proofs}");
                    }
                }
                logged = requests.len();
            }
        }
    }
    println!("INFO vllm: shutting down");
    ExitCode::SUCCESS
}
