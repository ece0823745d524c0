//! The fake pearl-gateway: its wire behaviour, our gateway client and poller against it with
//! real mined proofs, and the `fake-pearl-gateway` executable.

mod binary;
mod client;
mod wire;

use jarvis_testkit::fake_gateway::{FakeGateway, FakeGatewayOptions};
use pearl_miner::{CancelToken, Counters, Job, KernelChoice, Miner, MinerOptions, Shape};
use pearl_protocol::{MiningJob, PlainProof};

/// 4×32 outputs over k=2048, r=128, tiles 2×16: the smallest shape consensus allows.
fn tiny_shape() -> Shape {
    Shape {
        m: 4,
        n: 32,
        k: 2048,
        rank: 128,
        rows_pattern: vec![0, 1],
        cols_pattern: (0..16).collect(),
    }
}

/// Mines a real proof for `job` (easy target) with a fixed seed.
async fn mine(job: &MiningJob) -> PlainProof {
    let job = Job::from(job);
    tokio::task::spawn_blocking(move || {
        let options = MinerOptions {
            threads: 1,
            kernel: KernelChoice::Auto,
        };
        let miner = Miner::new(tiny_shape(), options).unwrap().with_rng_seed(11);
        miner
            .mine(&job, &CancelToken::new(), &Counters::default())
            .unwrap()
            .unwrap()
            .proof
    })
    .await
    .unwrap()
}

/// A fake on a fresh Unix socket (in `dir`) or on TCP 127.0.0.1:0.
async fn start(unix: bool, dir: &tempfile::TempDir) -> FakeGateway {
    if unix {
        FakeGateway::start_unix(dir.path().join("gw.sock"), FakeGatewayOptions::default())
            .await
            .unwrap()
    } else {
        FakeGateway::start_tcp(0, FakeGatewayOptions::default())
            .await
            .unwrap()
    }
}
