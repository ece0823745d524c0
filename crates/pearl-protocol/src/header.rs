//! Block headers: the 76-byte incomplete header a job carries and the 108-byte full header.

use sha2::{Digest, Sha256};

use crate::error::WireError;
use crate::reader::{Reader, reversed};

/// SHA-256 applied twice, as Bitcoin and Pearl hash headers and commitments.
pub fn sha256d(data: &[u8]) -> [u8; 32] {
    Sha256::digest(Sha256::digest(data)).into()
}

/// The header fields fixed before mining: 76 bytes on the wire.
///
/// `prev_block` and `merkle_root` are held in display (RPC hex) order and written byte-reversed,
/// as Pearl's `IncompleteBlockHeader::to_bytes` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IncompleteBlockHeader {
    /// Block version.
    pub version: u32,
    /// Previous block hash, display order.
    pub prev_block: [u8; 32],
    /// Transaction Merkle root, display order.
    pub merkle_root: [u8; 32],
    /// Unix timestamp in seconds.
    pub timestamp: u32,
    /// Compact difficulty target.
    pub nbits: u32,
}

impl IncompleteBlockHeader {
    /// Serialized size.
    pub const SIZE: usize = 76;

    /// The 76-byte wire form: version LE, reversed hashes, timestamp LE, nbits LE.
    pub fn to_bytes(&self) -> [u8; 76] {
        let mut out = [0u8; 76];
        out[0..4].copy_from_slice(&self.version.to_le_bytes());
        out[4..36].copy_from_slice(&reversed(self.prev_block));
        out[36..68].copy_from_slice(&reversed(self.merkle_root));
        out[68..72].copy_from_slice(&self.timestamp.to_le_bytes());
        out[72..76].copy_from_slice(&self.nbits.to_le_bytes());
        out
    }

    /// Decodes exactly 76 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::exact(bytes, "IncompleteBlockHeader", Self::SIZE)?;
        let header = Self {
            version: r.u32("version")?,
            prev_block: reversed(r.array("prev_block")?),
            merkle_root: reversed(r.array("merkle_root")?),
            timestamp: r.u32("timestamp")?,
            nbits: r.u32("nbits")?,
        };
        r.finish()?;
        Ok(header)
    }
}

/// The full 108-byte header: the incomplete header followed by the proof commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlockHeader {
    /// The first 76 bytes.
    pub incomplete: IncompleteBlockHeader,
    /// SHA256d(cert_version LE || public_data), raw bytes.
    pub proof_commitment: [u8; 32],
}

impl BlockHeader {
    /// Serialized size.
    pub const SIZE: usize = 108;

    /// The 108-byte wire form.
    pub fn to_bytes(&self) -> [u8; 108] {
        let mut out = [0u8; 108];
        out[..76].copy_from_slice(&self.incomplete.to_bytes());
        out[76..].copy_from_slice(&self.proof_commitment);
        out
    }

    /// Decodes exactly 108 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::exact(bytes, "BlockHeader", Self::SIZE)?;
        let incomplete =
            IncompleteBlockHeader::from_bytes(r.take(IncompleteBlockHeader::SIZE, "incomplete")?)?;
        let proof_commitment = r.array("proof_commitment")?;
        r.finish()?;
        Ok(Self {
            incomplete,
            proof_commitment,
        })
    }

    /// SHA256d of the 108 bytes, in internal byte order (what a certificate's `header_hash`
    /// holds); reverse it for the display form pearld prints.
    pub fn block_hash(&self) -> [u8; 32] {
        sha256d(&self.to_bytes())
    }
}
