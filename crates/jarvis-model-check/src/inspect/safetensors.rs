//! Safetensors headers without the tensors: an 8-byte little-endian header length (capped), then
//! that many bytes of JSON mapping tensor names to `{dtype, shape, data_offsets}`.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde_json::Value;

/// Largest header accepted (a hostile length never makes us allocate more).
pub const MAX_HEADER_BYTES: u64 = 100 * 1024 * 1024;

/// One tensor's entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorInfo {
    /// Element type, e.g. `I8`, `BF16`.
    pub dtype: String,
    /// Dimensions.
    pub shape: Vec<u64>,
    /// Start and end of its bytes, relative to the end of the header.
    pub data_offsets: (u64, u64),
}

/// A parsed header.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Header {
    /// Tensors by name.
    pub tensors: BTreeMap<String, TensorInfo>,
    /// Length of the JSON header in bytes.
    pub header_len: u64,
}

/// Why a header is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// Fewer than 8 bytes.
    #[error("file is shorter than the 8-byte header length")]
    TooShort,
    /// The length field is over the cap.
    #[error("header length {0} exceeds the {MAX_HEADER_BYTES}-byte cap")]
    TooLong(u64),
    /// The length field points past the end of the file.
    #[error("header length {len} runs past the end of the {file_size}-byte file")]
    Truncated {
        /// Claimed header length.
        len: u64,
        /// Actual file size.
        file_size: u64,
    },
    /// The header is not the expected JSON.
    #[error("header is not valid safetensors JSON: {0}")]
    Json(String),
    /// A tensor entry is inconsistent.
    #[error("tensor '{name}': {detail}")]
    Tensor {
        /// Tensor name.
        name: String,
        /// What is wrong.
        detail: String,
    },
    /// Reading failed.
    #[error("cannot read: {0}")]
    Io(String),
}

/// Bytes per element of a safetensors dtype.
fn dtype_size(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "BOOL" | "U8" | "I8" | "F8_E4M3" | "F8_E5M2" | "F8_E8M0" => 1,
        "I16" | "U16" | "F16" | "BF16" => 2,
        "I32" | "U32" | "F32" => 4,
        "I64" | "U64" | "F64" => 8,
        _ => return None,
    })
}

/// Decodes the 8-byte length prefix and checks it against the cap and the file size.
pub fn header_len(prefix: &[u8], file_size: u64) -> Result<u64, HeaderError> {
    let bytes: [u8; 8] = prefix
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .ok_or(HeaderError::TooShort)?;
    let len = u64::from_le_bytes(bytes);
    if len > MAX_HEADER_BYTES {
        return Err(HeaderError::TooLong(len));
    }
    if len.saturating_add(8) > file_size {
        return Err(HeaderError::Truncated { len, file_size });
    }
    Ok(len)
}

/// Parses header JSON; `data_len` (file size minus header) bounds every tensor's offsets.
pub fn parse_header(json: &[u8], data_len: u64) -> Result<Header, HeaderError> {
    let value: Value =
        serde_json::from_slice(json).map_err(|e| HeaderError::Json(e.to_string()))?;
    let object = value
        .as_object()
        .ok_or_else(|| HeaderError::Json("the header is not a JSON object".to_owned()))?;
    let mut tensors = BTreeMap::new();
    for (name, entry) in object {
        if name == "__metadata__" {
            continue;
        }
        let bad = |detail: &str| HeaderError::Tensor {
            name: name.clone(),
            detail: detail.to_owned(),
        };
        let dtype = entry
            .get("dtype")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no dtype"))?;
        let size = dtype_size(dtype).ok_or_else(|| bad(&format!("unknown dtype {dtype}")))?;
        let shape: Vec<u64> = entry
            .get("shape")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("no shape"))?
            .iter()
            .map(Value::as_u64)
            .collect::<Option<_>>()
            .ok_or_else(|| bad("shape is not a list of sizes"))?;
        let offsets = entry
            .get("data_offsets")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("no data_offsets"))?;
        let (start, end) = match offsets.as_slice() {
            [a, b] => (
                a.as_u64().ok_or_else(|| bad("bad data_offsets"))?,
                b.as_u64().ok_or_else(|| bad("bad data_offsets"))?,
            ),
            _ => return Err(bad("data_offsets must be [start, end]")),
        };
        if start > end || end > data_len {
            return Err(bad(&format!(
                "data_offsets [{start}, {end}] outside the {data_len} data bytes"
            )));
        }
        let elements = shape
            .iter()
            .try_fold(1u64, |acc, d| acc.checked_mul(*d))
            .and_then(|n| n.checked_mul(size))
            .ok_or_else(|| bad("shape overflows"))?;
        if elements != end - start {
            return Err(bad(&format!(
                "{dtype} {shape:?} needs {elements} bytes, data_offsets span {}",
                end - start
            )));
        }
        tensors.insert(
            name.clone(),
            TensorInfo {
                dtype: dtype.to_owned(),
                shape,
                data_offsets: (start, end),
            },
        );
    }
    Ok(Header {
        tensors,
        header_len: json.len() as u64,
    })
}

/// Reads only the header of a local file.
pub fn read_header(path: &Path) -> Result<Header, HeaderError> {
    let io = |e: std::io::Error| HeaderError::Io(e.to_string());
    // A FIFO or device shard is refused here instead of hanging or reading forever.
    let mut file =
        jarvis_core::fs::open_regular(path).map_err(|e| HeaderError::Io(e.to_string()))?;
    let file_size = file.metadata().map_err(io)?.len();
    let mut prefix = [0u8; 8];
    file.read_exact(&mut prefix)
        .map_err(|_| HeaderError::TooShort)?;
    let len = header_len(&prefix, file_size)?;
    let mut json = Vec::new();
    file.take(len).read_to_end(&mut json).map_err(io)?;
    parse_header(&json, file_size - 8 - len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lengths_are_capped_and_bounded() {
        assert_eq!(header_len(&[2, 0, 0, 0, 0, 0, 0, 0], 10), Ok(2));
        assert_eq!(header_len(&[1, 2, 3], 10), Err(HeaderError::TooShort));
        assert_eq!(
            header_len(&[0xff; 8], u64::MAX),
            Err(HeaderError::TooLong(u64::MAX))
        );
        assert_eq!(
            header_len(&[3, 0, 0, 0, 0, 0, 0, 0], 10),
            Err(HeaderError::Truncated {
                len: 3,
                file_size: 10
            })
        );
    }

    #[test]
    fn parses_and_checks_entries() {
        let json = br#"{"__metadata__":{"format":"pt"},"a.weight":{"dtype":"I8","shape":[2,3],"data_offsets":[0,6]}}"#;
        let h = parse_header(json, 6).unwrap();
        assert_eq!(h.tensors["a.weight"].shape, [2, 3]);
        assert!(parse_header(json, 5).is_err());
        let wrong = br#"{"a":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,6]}}"#;
        assert!(matches!(
            parse_header(wrong, 6),
            Err(HeaderError::Tensor { .. })
        ));
        assert!(matches!(
            parse_header(b"{\"a\":", 6),
            Err(HeaderError::Json(_))
        ));
        assert!(matches!(parse_header(b"[]", 6), Err(HeaderError::Json(_))));
        let huge =
            br#"{"a":{"dtype":"F64","shape":[18446744073709551615,2],"data_offsets":[0,0]}}"#;
        assert!(parse_header(huge, 0).is_err());
    }

    proptest! {
        #[test]
        fn arbitrary_headers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = header_len(&bytes, bytes.len() as u64);
            let _ = parse_header(&bytes, 1 << 20);
        }
    }
}
