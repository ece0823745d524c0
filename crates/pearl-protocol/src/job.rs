//! `MiningJob`: the gateway's `mining_job` object (`getMiningInfo` result).
//!
//! `target` is an unbounded JSON integer (≈2^200 on mainnet) that f64 cannot hold, so the job
//! keeps the exact JSON it was received as and reads `target`'s digits from it. Echo the job
//! back with [`MiningJob::raw_json`] or through `Serialize` straight into a JSON string; never
//! through `serde_json::Value`, which would turn `target` into a float.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use num_bigint::BigUint;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::error::{WireError, truncate_chars};
use crate::header::IncompleteBlockHeader;
use crate::proof::PlainProof;
use crate::target::nbits_to_target;

/// Certificate version assumed when a (pre-MoE) gateway sends no `cert_version`.
pub const DEFAULT_CERT_VERSION: u32 = 1;

/// Most decimal digits a 256-bit target can have.
const MAX_TARGET_DIGITS: usize = 78;

/// A mining job as the gateway sent it: parsed fields plus the exact JSON text.
#[derive(Debug, Clone)]
pub struct MiningJob {
    /// The 76-byte header to mine on.
    pub header: IncompleteBlockHeader,
    /// The full block target (not scaled for tile or rank).
    pub target: BigUint,
    /// Required certificate version; 1 when absent (pre-MoE gateways).
    pub cert_version: u32,
    raw: Box<RawValue>,
}

#[derive(Deserialize)]
struct JobFields<'a> {
    incomplete_header_bytes: String,
    #[serde(borrow)]
    target: &'a RawValue,
    #[serde(default)]
    cert_version: Option<u32>,
}

/// A job whose `target` field is not the target its header's nbits encodes. Pearl's gateway
/// and node judge a proof by the header's nbits, so such a job is inconsistent: mining to its
/// `target` finds proofs the node judges differently.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the job's target {job_target:#x} is not the target {header_target:#x} of its header's nbits {nbits:#010x}; Pearl judges proofs by the header's nbits"
)]
pub struct TargetMismatch {
    /// The header's compact target.
    pub nbits: u32,
    /// What `nbits` decodes to: the bound Pearl uses.
    pub header_target: BigUint,
    /// The job's `target` field.
    pub job_target: BigUint,
}

impl MiningJob {
    /// The target Pearl judges this job's proofs against: the one its header's nbits encodes.
    pub fn header_target(&self) -> BigUint {
        nbits_to_target(self.header.nbits)
    }

    /// Whether the job's `target` field is the target of its header's nbits.
    pub fn check_target(&self) -> Result<(), TargetMismatch> {
        let header_target = self.header_target();
        if header_target == self.target {
            return Ok(());
        }
        Err(TargetMismatch {
            nbits: self.header.nbits,
            header_target,
            job_target: self.target.clone(),
        })
    }

    /// Parses a `mining_job` JSON object; `target` is read from the raw number's digits.
    pub fn from_json(text: &str) -> Result<Self, WireError> {
        let raw: Box<RawValue> = serde_json::from_str(text).map_err(json_error)?;
        Self::from_raw(raw)
    }

    /// The job exactly as received (surrounding whitespace aside), for echoing back.
    pub fn raw_json(&self) -> &str {
        self.raw.get()
    }

    /// Builds a job and its canonical JSON (`incomplete_header_bytes`, `target`, `cert_version`).
    pub fn from_parts(header: IncompleteBlockHeader, target: BigUint, cert_version: u32) -> Self {
        let json = format!(
            r#"{{"incomplete_header_bytes":"{}","target":{},"cert_version":{}}}"#,
            STANDARD.encode(header.to_bytes()),
            target.to_str_radix(10),
            cert_version
        );
        let raw = RawValue::from_string(json)
            .expect("base64 text and decimal digits always form a valid JSON object");
        Self {
            header,
            target,
            cert_version,
            raw,
        }
    }

    /// The `submitPlainProof` params object: `{"plain_proof": <base64>, "mining_job": <raw job>}`.
    pub fn submit_plain_proof_params(&self, proof: &PlainProof) -> String {
        format!(
            r#"{{"plain_proof":"{}","mining_job":{}}}"#,
            proof.to_base64(),
            self.raw.get()
        )
    }

    fn from_raw(raw: Box<RawValue>) -> Result<Self, WireError> {
        if !raw.get().starts_with('{') {
            return Err(WireError::Json {
                detail: format!("expected a JSON object, got {}", excerpt(raw.get())),
            });
        }
        let fields: JobFields<'_> = serde_json::from_str(raw.get()).map_err(json_error)?;
        let header_bytes = STANDARD
            .decode(&fields.incomplete_header_bytes)
            .map_err(|e| WireError::Base64 {
                what: "mining job field `incomplete_header_bytes`",
                detail: e.to_string(),
            })?;
        let header = IncompleteBlockHeader::from_bytes(&header_bytes)
            .map_err(|e| WireError::JobHeader(Box::new(e)))?;
        let target = parse_target(fields.target.get())?;
        let cert_version = fields.cert_version.unwrap_or(DEFAULT_CERT_VERSION);
        Ok(Self {
            header,
            target,
            cert_version,
            raw,
        })
    }
}

impl PartialEq for MiningJob {
    fn eq(&self, other: &Self) -> bool {
        self.header == other.header
            && self.target == other.target
            && self.cert_version == other.cert_version
            && self.raw.get() == other.raw.get()
    }
}

impl Eq for MiningJob {}

impl fmt::Display for MiningJob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.raw.get())
    }
}

impl Serialize for MiningJob {
    /// Writes the raw JSON verbatim (only serde_json serializers keep it exact).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for MiningJob {
    /// Works with serde_json deserializers only (it captures the raw JSON).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        Self::from_raw(raw).map_err(D::Error::custom)
    }
}

fn parse_target(raw: &str) -> Result<BigUint, WireError> {
    let bad = |detail: String| WireError::JobField {
        field: "target",
        detail,
    };
    let text = raw.trim();
    if text.starts_with('-') {
        return Err(bad(format!(
            "must be a non-negative integer, got {}",
            excerpt(text)
        )));
    }
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(format!(
            "must be a JSON integer (digits only, no quotes, fraction or exponent), got {}",
            excerpt(text)
        )));
    }
    let digits = text.trim_start_matches('0');
    if digits.len() > MAX_TARGET_DIGITS {
        return Err(bad(format!(
            "has {} digits; a 256-bit target has at most {MAX_TARGET_DIGITS}",
            digits.len()
        )));
    }
    let target = BigUint::parse_bytes(text.as_bytes(), 10)
        .ok_or_else(|| bad(format!("is not a decimal integer: {}", excerpt(text))))?;
    if target.bits() > 256 {
        return Err(bad(format!(
            "is {} bits long; a target must fit in 256 bits",
            target.bits()
        )));
    }
    Ok(target)
}

fn json_error(e: serde_json::Error) -> WireError {
    WireError::Json {
        detail: e.to_string(),
    }
}

/// The first 80 characters of `text`, for error messages.
fn excerpt(text: &str) -> String {
    truncate_chars(text, 80)
}
