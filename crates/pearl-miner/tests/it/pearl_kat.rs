//! Known answers from Pearl's own verifier (tests/data/README.md): proofs our miner emitted,
//! judged by Pearl's zk-pow code, with every intermediate it computed, and 27 edits of them with
//! Pearl's verdicts. The verifier must agree with Pearl on all of them, and each kernel must
//! reproduce Pearl's jackpot hash from the opened rows of the winning tile.

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use num_bigint::BigUint;
use pearl_miner::commit::{self, Hash32, SeedDerivation};
use pearl_miner::jackpot::{
    self, Jackpot, consensus_bound, dot_len, fold, jackpot_hash, penalized_target_bound,
    tile_jackpot,
};
use pearl_miner::kernel::{Kernel, NARROW_B, PanelDims, pack_b_panel};
use pearl_miner::merkle::{MerkleError, extract_bytes};
use pearl_miner::noise::SideNoise;
use pearl_miner::{Operand, VerifyError, verify_plain_proof, verify_plain_proof_with_target};
use pearl_protocol::pattern::PatternError;
use pearl_protocol::target::nbits_to_target;
use pearl_protocol::{MiningJob, PlainProof};
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest as _, Sha256};

use crate::common::{hash32, kernels_or_skip};

const KAT: &str = "pearl-kat.jsonl";
const TAMPERED: &str = "pearl-kat-tampered.jsonl";
/// The SHA-256 of the files as copied from Pearl's run (tests/data/README.md).
const KAT_SHA256: &str = "ab43b87823659dd1b75c6abab3960f99d0a876fc6952cb83c5ecbc23ac1736ac";
const TAMPERED_SHA256: &str = "5ad9e8e9ad8a131690f9fc9ede5fe0c33f46f239336a66892a767836074e608e";

#[derive(Deserialize)]
struct KatLine {
    id: String,
    kernel: String,
    mining_job: Box<RawValue>,
    plain_proof: String,
    pearl: PearlJudged,
}

/// What Pearl computed for one proof.
#[derive(Deserialize)]
struct PearlJudged {
    ok: bool,
    rank_penalty_ok: bool,
    seed_derivation: String,
    nbits: String,
    job_key: String,
    a_noise_seed: String,
    b_noise_seed: String,
    hash_jackpot_hex: String,
    public_data_164: String,
    consensus_bound: String,
    penalized_bound: String,
    t_rows: u32,
    t_cols: u32,
    h: u32,
    w: u32,
    r: u32,
}

#[derive(Deserialize)]
struct TamperedLine {
    id: String,
    of: String,
    edit: String,
    pearl: PearlVerdict,
    patch: Option<Vec<Patch>>,
    tampered_sha256: String,
}

#[derive(Deserialize)]
struct PearlVerdict {
    ok: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
struct Patch {
    offset: usize,
    from: u8,
    to: u8,
}

/// One known answer, decoded.
struct Kat {
    line: KatLine,
    job: MiningJob,
    proof: PlainProof,
    bytes: Vec<u8>,
}

fn data(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read the known answers {}: {e}", path.display()))
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex in a known answer"))
        .collect()
}

fn big_endian(text: &str) -> BigUint {
    BigUint::from_bytes_be(&unhex(text))
}

fn kats() -> &'static [Kat] {
    static KATS: OnceLock<Vec<Kat>> = OnceLock::new();
    KATS.get_or_init(|| {
        data(KAT)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|text| {
                let line: KatLine = serde_json::from_str(text).expect("a known-answer line");
                let job = MiningJob::from_json(line.mining_job.get()).expect("Pearl's job parses");
                let bytes = STANDARD
                    .decode(&line.plain_proof)
                    .expect("the proof is base64");
                let proof = PlainProof::from_bincode(&bytes).expect("the proof decodes");
                Kat {
                    line,
                    job,
                    proof,
                    bytes,
                }
            })
            .collect()
    })
}

fn tampered() -> Vec<TamperedLine> {
    data(TAMPERED)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|text| serde_json::from_str(text).expect("a tampered line"))
        .collect()
}

#[test]
fn known_answer_files_are_the_ones_pearl_judged() {
    assert_eq!(sha256_hex(data(KAT).as_bytes()), KAT_SHA256);
    assert_eq!(sha256_hex(data(TAMPERED).as_bytes()), TAMPERED_SHA256);
    let kats = kats();
    assert_eq!(kats.len(), 13);
    assert_eq!(tampered().len(), 27);
    // Three kernels, three shapes (one with r = 256), as the README says.
    for kernel in ["avx512-vnni", "avx2", "portable"] {
        assert!(kats.iter().any(|k| k.line.kernel == kernel), "{kernel}");
    }
    assert!(kats.iter().any(|k| k.line.pearl.r == 256));
    // Our encoder writes Pearl's bytes back exactly.
    for kat in kats {
        assert_eq!(kat.proof.to_bincode(), kat.bytes, "{}", kat.line.id);
    }
}

#[test]
fn every_pearl_proof_verifies_with_pearls_intermediates() {
    for kat in kats() {
        let (id, pearl) = (&kat.line.id, &kat.line.pearl);
        assert!(pearl.ok && pearl.rank_penalty_ok, "{id}: Pearl accepted it");
        let header = &kat.job.header;
        assert_eq!(format!("{:#010x}", header.nbits), pearl.nbits, "{id}");
        assert_eq!(pearl.seed_derivation, "Salted", "{id}");
        assert_eq!(
            SeedDerivation::for_cert_version(kat.job.cert_version),
            Some(SeedDerivation::Salted),
            "{id}"
        );
        let verified = verify_plain_proof(header, &kat.proof, kat.job.cert_version)
            .unwrap_or_else(|e| panic!("{id}: Pearl accepts it, we reject it: {e}"));
        assert_eq!(hex(&verified.job_key), pearl.job_key, "{id}: job key");
        assert_eq!(
            hex(&verified.noise_seeds.a),
            pearl.a_noise_seed,
            "{id}: A seed"
        );
        assert_eq!(
            hex(&verified.noise_seeds.b),
            pearl.b_noise_seed,
            "{id}: B seed"
        );
        assert_eq!(
            hex(&verified.hash_jackpot),
            pearl.hash_jackpot_hex,
            "{id}: jackpot hash"
        );
        let public = verified.public_data;
        assert_eq!(
            hex(&public.to_bytes()),
            pearl.public_data_164,
            "{id}: public data"
        );
        assert_eq!(
            (public.t_rows, public.t_cols),
            (pearl.t_rows, pearl.t_cols),
            "{id}"
        );
        let (h, w) = (
            public.config.rows_pattern.len() as u32,
            public.config.cols_pattern.len() as u32,
        );
        assert_eq!(
            (h, w, u32::from(public.config.rank)),
            (pearl.h, pearl.w, pearl.r)
        );
        assert_eq!(
            verified.consensus_bound,
            big_endian(&pearl.consensus_bound),
            "{id}: consensus bound"
        );
        assert_eq!(
            verified.penalized_bound,
            big_endian(&pearl.penalized_bound),
            "{id}: penalized bound"
        );
        // The jackpot module's own bounds (the miner's) agree with Pearl's too.
        let target = nbits_to_target(header.nbits);
        let dot = dot_len(public.config.common_dim, pearl.r);
        assert_eq!(
            consensus_bound(&target, h, w, dot),
            big_endian(&pearl.consensus_bound),
            "{id}"
        );
        assert_eq!(
            penalized_target_bound(&target, h, w, dot, pearl.r),
            Some(big_endian(&pearl.penalized_bound)),
            "{id}"
        );
        // The seed chain and the job key from the library functions the miner uses.
        let job_key = commit::job_key(&header.to_bytes(), &public.config.to_bytes());
        assert_eq!(hex(&job_key), pearl.job_key, "{id}");
        let seeds = commit::noise_seeds(
            SeedDerivation::Salted,
            &job_key,
            &public.hash_a,
            &public.hash_b,
            public.m,
            public.n,
        );
        assert_eq!(seeds, verified.noise_seeds, "{id}");
    }
}

/// What the jobs as served say: their `target` equals the header's nbits, so the verdict from
/// the job's target is the same as from the header.
#[test]
fn pearl_jobs_carry_the_target_of_their_header() {
    for kat in kats() {
        assert_eq!(
            kat.job.target,
            nbits_to_target(kat.job.header.nbits),
            "{}",
            kat.line.id
        );
        assert!(
            verify_plain_proof_with_target(
                &kat.job.header,
                &kat.proof,
                kat.job.cert_version,
                &kat.job.target
            )
            .is_ok()
        );
    }
}

/// Pearl judges the bound from the header's nbits: the same header with `target` 1 in the job
/// is still a valid proof (issue 17), and our nbits verdict agrees.
#[test]
fn a_job_target_that_disagrees_with_the_header_does_not_change_pearls_verdict() {
    let kat = &kats()[0];
    let text = kat.line.mining_job.get();
    let digits = kat.job.target.to_str_radix(10);
    let edited = MiningJob::from_json(&text.replacen(&digits, "1", 1)).expect("still a job");
    assert_eq!(edited.target, BigUint::from(1u8));
    assert_eq!(edited.header, kat.job.header);
    assert!(verify_plain_proof(&edited.header, &kat.proof, edited.cert_version).is_ok());
    // Judged by the job's target instead, it would (wrongly) be refused.
    assert_eq!(
        verify_plain_proof_with_target(
            &edited.header,
            &kat.proof,
            edited.cert_version,
            &edited.target
        ),
        Err(VerifyError::JackpotAboveBound)
    );
}

/// Applies one tampered line's edit to the bytes of the proof it edits.
fn apply(edit: &TamperedLine, original: &Kat) -> Vec<u8> {
    match &edit.patch {
        Some(patches) => {
            let mut bytes = original.bytes.clone();
            for p in patches {
                assert_eq!(bytes[p.offset], p.from, "{}: byte {}", edit.id, p.offset);
                bytes[p.offset] = p.to;
            }
            bytes
        }
        None => {
            let mut proof = original.proof.clone();
            match edit.edit.as_str() {
                "extra_sibling_appended" => proof.a.proof.siblings.push([0; 32]),
                "a_drop_last_sibling" => {
                    proof.a.proof.siblings.pop();
                }
                other => panic!("{}: unknown structural edit {other}", edit.id),
            }
            proof.to_bincode()
        }
    }
}

/// Whether our verdict names the check Pearl's error names.
fn same_check(pearl_error: &str, ours: &VerifyError) -> bool {
    if pearl_error.contains("Hash A mismatch") {
        return matches!(
            ours,
            VerifyError::RootMismatch {
                operand: Operand::A
            }
        );
    }
    if pearl_error.contains("Hash B mismatch") {
        return matches!(
            ours,
            VerifyError::RootMismatch {
                operand: Operand::Bt
            }
        );
    }
    if pearl_error.contains("A Merkle tree declares 513 leaves") {
        return matches!(
            ours,
            VerifyError::TreeSize {
                operand: Operand::A,
                declared: 513,
                expected: 512
            }
        );
    }
    if let Some(rest) = pearl_error.strip_prefix("pattern parsing error: offset ") {
        let offset: u32 = rest
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .expect("an offset in Pearl's message");
        return matches!(
            ours,
            VerifyError::Pattern {
                operand: Operand::A,
                reason: PatternError::InvalidOffset { offset: o }
            } if *o == offset
        );
    }
    if pearl_error.contains("Pattern is not periodic") {
        return matches!(
            ours,
            VerifyError::Pattern {
                operand: Operand::A,
                reason: PatternError::NotPeriodic { .. }
            }
        );
    }
    if pearl_error.starts_with("Failed to extract strip: Not all required bytes covered") {
        return matches!(
            ours,
            VerifyError::Merkle {
                operand: Operand::A,
                reason: MerkleError::BytesNotCovered { .. }
            }
        );
    }
    if pearl_error.starts_with("Failed to compute CV: Not all required bytes covered") {
        return matches!(
            ours,
            VerifyError::Merkle {
                operand: Operand::A,
                reason: MerkleError::MissingSibling { .. }
            }
        );
    }
    panic!("no mapping for Pearl's error {pearl_error:?}")
}

#[test]
fn tampered_proofs_are_rejected_exactly_when_pearl_rejects_them_at_the_same_check() {
    let kats = kats();
    let lines = tampered();
    let mut accepted = 0;
    for edit in &lines {
        let original = kats
            .iter()
            .find(|k| k.line.id == edit.of)
            .unwrap_or_else(|| panic!("{}: no proof {}", edit.id, edit.of));
        let bytes = apply(edit, original);
        assert_eq!(
            sha256_hex(&bytes),
            edit.tampered_sha256,
            "{}: the edit was applied as Pearl's run applied it",
            edit.id
        );
        let proof = PlainProof::from_bincode(&bytes)
            .unwrap_or_else(|e| panic!("{}: every edit still decodes: {e}", edit.id));
        let ours = verify_plain_proof(&original.job.header, &proof, original.job.cert_version);
        match (&edit.pearl, &ours) {
            (PearlVerdict { ok: true, .. }, Ok(verified)) => {
                accepted += 1;
                assert_eq!(
                    hex(&verified.hash_jackpot),
                    original.line.pearl.hash_jackpot_hex,
                    "{}",
                    edit.id
                );
            }
            (PearlVerdict { ok: true, .. }, Err(e)) => {
                panic!("{}: Pearl accepts it, we reject it: {e}", edit.id)
            }
            (PearlVerdict { ok: false, error }, Ok(_)) => {
                panic!("{}: Pearl rejects it ({error:?}), we accept it", edit.id)
            }
            (PearlVerdict { ok: false, error }, Err(e)) => {
                let error = error.as_deref().expect("Pearl names its error");
                assert!(
                    same_check(error, e),
                    "{}: Pearl failed at {error:?}, we at {e:?}",
                    edit.id
                );
            }
        }
    }
    // The three extra-sibling edits, as Pearl does.
    assert_eq!(accepted, 3);
}

/// The winning tile's operands: opened rows of A and Bᵀ (first dot_len bytes), noised with
/// Pearl's seeds.
fn noised_tile(kat: &Kat) -> (Vec<Vec<i8>>, Vec<Vec<i8>>, usize, usize) {
    let pearl = &kat.line.pearl;
    let (k, rank) = (kat.proof.k as u32, pearl.r);
    let dot = dot_len(k, rank) as usize;
    let side = |opening: &pearl_protocol::MatrixMerkleProof, noise: SideNoise| {
        let mut dense = Vec::new();
        opening
            .row_indices
            .iter()
            .map(|&row| {
                let strip = extract_bytes(&opening.proof, row * u64::from(k), dot as u64)
                    .expect("the opened rows are covered");
                let mut line = vec![0i8; dot];
                noise.noised(row as usize, &strip, &mut dense, &mut line);
                line
            })
            .collect::<Vec<_>>()
    };
    let a_seed = hash32(&pearl.a_noise_seed);
    let b_seed = hash32(&pearl.b_noise_seed);
    let a = side(&kat.proof.a, SideNoise::for_a(&a_seed, dot, rank));
    let b = side(&kat.proof.bt, SideNoise::for_b(&b_seed, dot, rank));
    (a, b, rank as usize, dot)
}

/// The tile transcript computed by `kernel`, one r-chunk at a time, accumulators cumulative.
/// Pearl's proofs hold B in [-127, 127], wider than the AVX2 kernel's own form takes
/// (`NARROW_B`), so B goes in as two narrow halves, clamp(b) and b − clamp(b), added into
/// the same accumulators: every kernel then runs its fast path, AVX2 included.
fn kernel_transcript(
    kernel: Kernel,
    a: &[Vec<i8>],
    b: &[Vec<i8>],
    rank: usize,
    dot: usize,
) -> Jackpot {
    let dims = PanelDims {
        rows: a.len(),
        cols: b.len(),
        r: rank,
    };
    let narrow = |v: i8| v.clamp(*NARROW_B.start(), *NARROW_B.end());
    let halves: [Vec<i8>; 2] = [
        b.concat().into_iter().map(narrow).collect(),
        b.concat().into_iter().map(|v| v - narrow(v)).collect(),
    ];
    assert!(halves.iter().flatten().all(|v| NARROW_B.contains(v)));
    let mut acc = vec![0i32; dims.rows * dims.cols];
    let mut panel = vec![0i8; dims.cols * rank];
    let mut transcript = [0u32; jackpot::JACKPOT_WORDS];
    for block in 0..dot / rank {
        let k0 = block * rank;
        let a_chunk: Vec<i8> = a
            .iter()
            .flat_map(|row| &row[k0..k0 + rank])
            .copied()
            .collect();
        for half in &halves {
            pack_b_panel(half, dot, k0, dims, &mut panel);
            kernel.accumulate(&a_chunk, &panel, dims, &mut acc);
        }
        let xor = acc.iter().fold(0u32, |x, &v| x ^ v as u32);
        fold(&mut transcript, block, xor);
    }
    transcript
}

#[test]
fn each_kernel_recomputes_pearls_jackpot_hash_from_the_opened_rows() {
    let kernels =
        kernels_or_skip("each_kernel_recomputes_pearls_jackpot_hash_from_the_opened_rows");
    for kat in kats() {
        let pearl = &kat.line.pearl;
        let (a, b, rank, dot) = noised_tile(kat);
        assert_eq!((a.len(), b.len()), (pearl.h as usize, pearl.w as usize));
        let a_seed: Hash32 = hash32(&pearl.a_noise_seed);
        let reference = tile_jackpot(&a, &b, rank, dot);
        assert_eq!(
            hex(&jackpot_hash(&reference, &a_seed)),
            pearl.hash_jackpot_hex,
            "{}: the scalar reference transcript",
            kat.line.id
        );
        for &kernel in &kernels {
            let transcript = kernel_transcript(kernel, &a, &b, rank, dot);
            assert_eq!(
                hex(&jackpot_hash(&transcript, &a_seed)),
                pearl.hash_jackpot_hex,
                "{}: the {} kernel",
                kat.line.id,
                kernel.name()
            );
        }
    }
}

/// `value` as a little-endian 32-byte hash.
fn hash_of(value: &BigUint) -> Hash32 {
    let mut bytes = value.to_bytes_le();
    assert!(bytes.len() <= 32, "a 256-bit value");
    bytes.resize(32, 0);
    bytes.try_into().expect("32 bytes")
}

/// Both bounds are inclusive, compared as little-endian integers, with Pearl's values for
/// shape B (h=2, w=64, k=4096, r=256 at nbits 0x1c100000): consensus 2^239, penalised 2^238.
#[test]
fn bounds_are_inclusive_and_the_penalised_bound_binds_between_them_at_rank_256() {
    let kat = kats()
        .iter()
        .find(|k| k.line.pearl.r == 256)
        .expect("a shape B proof");
    let pearl = &kat.line.pearl;
    let target = nbits_to_target(kat.job.header.nbits);
    let (consensus, penalized) = (
        big_endian(&pearl.consensus_bound),
        big_endian(&pearl.penalized_bound),
    );
    assert_eq!(consensus, BigUint::from(1u8) << 239u32);
    assert_eq!(penalized, BigUint::from(1u8) << 238u32);
    let dot = dot_len(kat.proof.k as u32, 256);
    let check = |value: &BigUint| {
        pearl_miner::check_jackpot_bounds(&hash_of(value), &target, pearl.h, pearl.w, dot, 256)
    };
    assert_eq!(
        check(&penalized),
        Ok((consensus.clone(), penalized.clone()))
    );
    assert_eq!(
        check(&(&penalized - 1u8)),
        Ok((consensus.clone(), penalized.clone()))
    );
    assert_eq!(
        check(&BigUint::ZERO),
        Ok((consensus.clone(), penalized.clone()))
    );
    // Between the bounds: only the rank penalty refuses it.
    for value in [
        &penalized + 1u8,
        (&penalized + &consensus) / 2u8,
        consensus.clone(),
    ] {
        assert_eq!(
            check(&value),
            Err(VerifyError::JackpotAbovePenalizedBound),
            "{value:#x}"
        );
    }
    assert_eq!(
        check(&(&consensus + 1u8)),
        Err(VerifyError::JackpotAboveBound)
    );
    // A hash with its high byte set is read little-endian: far above both.
    let mut high = [0u8; 32];
    high[31] = 1;
    assert_eq!(
        pearl_miner::check_jackpot_bounds(&high, &target, pearl.h, pearl.w, dot, 256),
        Err(VerifyError::JackpotAboveBound)
    );
    // The same bytes at index 0 are the value 1.
    let mut low = [0u8; 32];
    low[0] = 1;
    assert!(pearl_miner::check_jackpot_bounds(&low, &target, pearl.h, pearl.w, dot, 256).is_ok());
}

/// At r = 128 the two bounds are equal, and a hash exactly at them wins.
#[test]
fn at_rank_128_both_bounds_are_one_inclusive_bound() {
    let kat = kats()
        .iter()
        .find(|k| k.line.pearl.r == 128 && k.line.pearl.h == 4)
        .expect("a shape A proof");
    let pearl = &kat.line.pearl;
    let target = nbits_to_target(kat.job.header.nbits);
    let bound = big_endian(&pearl.consensus_bound);
    assert_eq!(bound, big_endian(&pearl.penalized_bound));
    let dot = dot_len(kat.proof.k as u32, 128);
    let check = |value: &BigUint| {
        pearl_miner::check_jackpot_bounds(&hash_of(value), &target, pearl.h, pearl.w, dot, 128)
    };
    assert_eq!(check(&bound), Ok((bound.clone(), bound.clone())));
    assert_eq!(check(&(&bound + 1u8)), Err(VerifyError::JackpotAboveBound));
}

/// A real proof from Pearl's run whose hash lies between the two bounds at some target is
/// refused by the verifier for the rank penalty alone (Pearl's `check_rank_penalty`).
#[test]
fn a_real_rank_256_proof_between_the_bounds_fails_only_the_rank_penalty() {
    for kat in kats().iter().filter(|k| k.line.pearl.r == 256) {
        let pearl = &kat.line.pearl;
        let value = BigUint::from_bytes_le(&unhex(&pearl.hash_jackpot_hex));
        let (h, w) = (pearl.h, pearl.w);
        let dot = dot_len(kat.proof.k as u32, 256);
        // The smallest target whose consensus bound still holds the hash: the penalised bound
        // (half of it) then does not.
        let factor = BigUint::from(u64::from(h) * u64::from(w) * u64::from(dot));
        let target = (&value + &factor - 1u8) / &factor;
        assert!(consensus_bound(&target, h, w, dot) >= value);
        assert_eq!(
            verify_plain_proof_with_target(
                &kat.job.header,
                &kat.proof,
                kat.job.cert_version,
                &target
            ),
            Err(VerifyError::JackpotAbovePenalizedBound),
            "{}",
            kat.line.id
        );
        // One below it, the consensus bound refuses it first.
        assert_eq!(
            verify_plain_proof_with_target(
                &kat.job.header,
                &kat.proof,
                kat.job.cert_version,
                &(&target - 1u8)
            ),
            Err(VerifyError::JackpotAboveBound),
            "{}",
            kat.line.id
        );
    }
}
