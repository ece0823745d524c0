//! Arbitrary outside input never panics any decoder.

use pearl_protocol::WireError;
use pearl_protocol::address::{Network, validate_taproot_address};
use pearl_protocol::header::IncompleteBlockHeader;
use pearl_protocol::job::MiningJob;
use pearl_protocol::mining_config::MiningConfiguration;
use pearl_protocol::pattern::PeriodicPattern;
use pearl_protocol::proof::PlainProof;
use pearl_protocol::public_data::PublicData;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn plain_proof_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = PlainProof::from_bincode(&bytes);
    }

    #[test]
    fn plain_proof_mutations(index in 0usize..3500, value in any::<u8>(), cut in 0usize..3500) {
        let mut bytes = crate::proof::sample().to_bincode();
        let index = index % bytes.len();
        bytes[index] = value;
        bytes.truncate(cut.max(index + 1));
        if let Ok(decoded) = PlainProof::from_bincode(&bytes) {
            prop_assert_eq!(decoded.to_bincode(), bytes);
        }
    }

    #[test]
    fn plain_proof_base64(text in ".{0,200}") {
        let _ = PlainProof::from_base64(&text);
    }

    #[test]
    fn fixed_size_objects(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = IncompleteBlockHeader::from_bytes(&bytes);
        let _ = MiningConfiguration::from_bytes(&bytes);
        let _ = PublicData::from_bytes(&bytes);
    }

    /// Arbitrary bytes of exactly the right size get past the length check into the fields.
    #[test]
    fn fixed_size_objects_of_their_size(
        header in any::<[u8; IncompleteBlockHeader::SIZE]>(),
        data in any::<[u8; pearl_protocol::public_data::PUBLIC_DATA_SIZE]>(),
    ) {
        let decoded = IncompleteBlockHeader::from_bytes(&header);
        prop_assert_eq!(decoded.map(|h| h.to_bytes()), Ok(header));
        if let Ok(public) = PublicData::from_bytes(&data) {
            prop_assert_eq!(public.to_bytes(), data);
        }
    }

    #[test]
    fn config_bytes_round_trip_when_accepted(bytes in any::<[u8; 52]>()) {
        if let Ok(config) = MiningConfiguration::from_bytes(&bytes) {
            prop_assert_eq!(config.to_bytes(), bytes);
        }
    }

    #[test]
    fn pattern_bytes(bytes in any::<[u8; 6]>()) {
        if let Ok(p) = PeriodicPattern::from_bytes(bytes) {
            prop_assert_eq!(p.to_bytes(), bytes);
            prop_assert!(p.offset_is_valid(0));
            prop_assert!(p.len() as u64 <= u64::from(p.period()));
        }
    }

    #[test]
    fn pattern_lists(mut list in proptest::collection::vec(0u32..5000, 0..64), big in any::<u32>()) {
        let _ = PeriodicPattern::from_list(&list);
        list.push(big);
        let _ = PeriodicPattern::from_list(&list);
        list.sort_unstable();
        list.dedup();
        let _ = PeriodicPattern::split_offset(&list);
        if let Some(&first) = list.first() {
            let shifted: Vec<u32> = list.iter().map(|v| v - first).collect();
            if let Ok(p) = PeriodicPattern::from_list(&shifted) {
                prop_assert_eq!(p.to_list(), shifted);
            }
        }
    }

    #[test]
    fn job_json(text in ".{0,300}") {
        let _ = MiningJob::from_json(&text);
    }

    #[test]
    fn job_json_with_odd_targets(target in "[-0-9eE.+\"a-z ]{0,120}") {
        // A valid header (76 zero bytes), so decoding reaches `target`.
        let header = format!("{}==", "A".repeat(102));
        let json = format!(r#"{{"incomplete_header_bytes":"{header}","target":{target}}}"#);
        if let Err(error) = MiningJob::from_json(&json) {
            prop_assert!(!matches!(error, WireError::JobHeader(_)), "{}", error);
        }
    }

    #[test]
    fn addresses(text in ".{0,120}", lower in "[a-z0-9]{0,90}") {
        let _ = validate_taproot_address(&text, Network::Mainnet);
        let _ = validate_taproot_address(&format!("prl1{lower}"), Network::Mainnet);
        let _ = validate_taproot_address(&format!("tprl1p{lower}"), Network::Testnet);
    }
}
