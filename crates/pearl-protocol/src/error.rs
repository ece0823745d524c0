//! `WireError`: why bytes, base64 or JSON from outside are not a valid Pearl wire object.

use crate::pattern::PatternError;

/// A wire object could not be decoded; the message names the object, the field and the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// A fixed-size object had the wrong number of bytes.
    #[error("{what} must be exactly {expected} bytes, got {got}")]
    WrongLength {
        /// The object being decoded.
        what: &'static str,
        /// Its fixed size.
        expected: usize,
        /// The size supplied.
        got: usize,
    },
    /// The input ended inside a field.
    #[error(
        "{what} is truncated: field `{field}` at byte {offset} needs {needed} bytes but only {remaining} remain"
    )]
    Truncated {
        /// The object being decoded.
        what: &'static str,
        /// Path of the field being read.
        field: String,
        /// Byte offset of the field.
        offset: usize,
        /// Bytes the field needs.
        needed: usize,
        /// Bytes left in the input.
        remaining: usize,
    },
    /// A length prefix promises more elements than the remaining input can hold.
    #[error(
        "{what} is corrupt: field `{field}` at byte {offset} declares {count} elements of at least {min_elem_size} bytes each, but only {remaining} bytes remain"
    )]
    LengthPrefixTooLarge {
        /// The object being decoded.
        what: &'static str,
        /// Path of the field.
        field: String,
        /// Byte offset of the length prefix.
        offset: usize,
        /// The declared element count.
        count: u64,
        /// The smallest encoded size of one element.
        min_elem_size: usize,
        /// Bytes left after the prefix.
        remaining: usize,
    },
    /// A Merkle leaf was not exactly 1024 bytes.
    #[error(
        "PlainProof field `{field}[{index}]` is a {got}-byte leaf; certificate v1-v3 Merkle leaves are exactly 1024 bytes"
    )]
    LeafSize {
        /// Path of the leaf list.
        field: String,
        /// Index of the bad leaf.
        index: usize,
        /// Its declared length.
        got: u64,
    },
    /// Bytes were left over after the last field.
    #[error(
        "{what} has {count} unexpected trailing bytes after its last field (corrupt or concatenated input)"
    )]
    TrailingBytes {
        /// The object being decoded.
        what: &'static str,
        /// Number of extra bytes.
        count: usize,
    },
    /// The proof carries MoE data, which the dense-only fork banned.
    #[error(
        "PlainProof carries MoE data (`moe` is Some): Pearl's dense-only fork rejects MoE proofs, and this miner only handles dense proofs"
    )]
    MoeNotSupported,
    /// The `moe` option tag was neither 0 (None) nor 1 (Some).
    #[error(
        "PlainProof field `moe` has option tag {tag:#04x}; a dense proof ends with 0x00 (None)"
    )]
    InvalidOptionTag {
        /// The tag byte found.
        tag: u8,
    },
    /// Base64 text did not decode.
    #[error("{what} is not valid base64 (standard alphabet, with padding): {detail}")]
    Base64 {
        /// The object being decoded.
        what: &'static str,
        /// The decoder's complaint.
        detail: String,
    },
    /// `mma_type` was not 0.
    #[error("MiningConfiguration field `mma_type` is {0}; the only type is 0 (Int7xInt7ToInt32)")]
    UnknownMmaType(u16),
    /// A pattern inside a mining configuration was invalid.
    #[error("MiningConfiguration field `{field}`: {reason}")]
    Pattern {
        /// `rows_pattern` or `cols_pattern`.
        field: &'static str,
        /// Why the pattern is invalid (part of the message, not a chained cause).
        reason: PatternError,
    },
    /// Reserved trailer bytes 4..32 of a mining configuration were not zero.
    #[error(
        "MiningConfiguration reserved trailer byte {index} is {value:#04x}; bytes 4..32 of the trailer must be zero"
    )]
    ReservedNotZero {
        /// Index within the 32-byte trailer.
        index: usize,
        /// The non-zero value.
        value: u8,
    },
    /// `top_k` was set on a dense (`e == 0`) configuration.
    #[error(
        "MiningConfiguration trailer has top_k = {top_k} with e = 0; top_k must be 0 for a dense job"
    )]
    TopKWithoutExperts {
        /// The stray top_k.
        top_k: u16,
    },
    /// A plain proof's fields do not describe a consistent dense statement.
    #[error("PlainProof field `{field}`: {detail}")]
    ProofField {
        /// The field, e.g. `a.proof.total_leaves`.
        field: &'static str,
        /// What is wrong, with the values involved.
        detail: String,
    },
    /// A plain proof's row indices do not form a tile pattern.
    #[error("PlainProof field `{field}`: {reason}")]
    ProofIndices {
        /// `a.row_indices` or `bt.row_indices`.
        field: &'static str,
        /// Why the indices are not a valid pattern plus offset (part of the message).
        reason: PatternError,
    },
    /// A mining job's JSON was malformed.
    #[error("mining job is not valid JSON of the gateway's `mining_job` shape: {detail}")]
    Json {
        /// The parser's complaint.
        detail: String,
    },
    /// A mining job field had the wrong value.
    #[error("mining job field `{field}`: {detail}")]
    JobField {
        /// The field name.
        field: &'static str,
        /// What is wrong and what was expected.
        detail: String,
    },
    /// The header inside a mining job was invalid.
    #[error("mining job field `incomplete_header_bytes`: {0}")]
    JobHeader(Box<WireError>),
}

/// `text` cut to its first `max` characters, with `…` appended when something was cut: how
/// every error message in this crate quotes outside input.
pub fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or_default()),
        None => text.to_owned(),
    }
}
