//! Seed derivation against the pinned vectors of Pearl's `zk-pow/src/api/seed.rs`.

use pearl_miner::commit::{SeedDerivation, noise_seeds};

use crate::common::hash32 as hex;

// Data from Pearl's pinned vectors: job_key 0x11…, hash_a 0xAA…, hash_b 0xBB…, m=192, n=320.
const JOB_KEY: [u8; 32] = [0x11; 32];
const HASH_A: [u8; 32] = [0xAA; 32];
const HASH_B: [u8; 32] = [0xBB; 32];

#[test]
fn legacy_seed_chain_matches_pearl_vectors() {
    let seeds = noise_seeds(SeedDerivation::Legacy, &JOB_KEY, &HASH_A, &HASH_B, 192, 320);
    assert_eq!(
        seeds.b,
        hex("add6f7ea5feebf89c8a77e2ebfa0d82442e7dbb0046dbd48971861d12fcb0177")
    );
    assert_eq!(
        seeds.a,
        hex("483b07b6f73105030b9482255f37723f3fed69ae916724ee8291848b8c28794b")
    );
}

#[test]
fn salted_seed_chain_matches_pearl_vectors() {
    let seeds = noise_seeds(SeedDerivation::Salted, &JOB_KEY, &HASH_A, &HASH_B, 192, 320);
    assert_eq!(
        seeds.b,
        hex("60ed9b73c5a9599b200b6cd563e7f0d5d9a67d2402d85fd4ef966c580080d0e5")
    );
    assert_eq!(
        seeds.a,
        hex("301784168005ec833ab0aa60006f7fe7faaa95307d8c1fc6819b2ffdd717eccf")
    );
}

#[test]
fn salted_seeds_commit_the_dimensions() {
    let base = noise_seeds(SeedDerivation::Salted, &JOB_KEY, &HASH_A, &HASH_B, 192, 320);
    let other_m = noise_seeds(SeedDerivation::Salted, &JOB_KEY, &HASH_A, &HASH_B, 193, 320);
    let other_n = noise_seeds(SeedDerivation::Salted, &JOB_KEY, &HASH_A, &HASH_B, 192, 321);
    assert_eq!(base.b, other_m.b);
    assert_ne!(base.a, other_m.a);
    assert_ne!(base.b, other_n.b);
}

#[test]
fn cert_versions_select_the_derivation() {
    assert_eq!(
        SeedDerivation::for_cert_version(1),
        Some(SeedDerivation::Legacy)
    );
    assert_eq!(
        SeedDerivation::for_cert_version(2),
        Some(SeedDerivation::Legacy)
    );
    assert_eq!(
        SeedDerivation::for_cert_version(3),
        Some(SeedDerivation::Salted)
    );
    for v in [0, 4, 5, 6] {
        assert_eq!(SeedDerivation::for_cert_version(v), None);
    }
}
