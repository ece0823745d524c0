//! `MiningConfiguration`: the 52-byte GEMM shape a miner commits to in the job key.

use crate::error::WireError;
use crate::pattern::{PATTERN_SIZE, PeriodicPattern};
use crate::reader::Reader;

/// The multiply-accumulate type; the wire value is a u16.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MmaType {
    /// int7 x int7 -> int32, wire value 0.
    #[default]
    Int7xInt7ToInt32,
}

impl MmaType {
    /// The u16 written on the wire.
    pub fn wire_value(self) -> u16 {
        match self {
            Self::Int7xInt7ToInt32 => 0,
        }
    }

    /// The type for a wire value.
    pub fn from_wire(value: u16) -> Result<Self, WireError> {
        match value {
            0 => Ok(Self::Int7xInt7ToInt32),
            other => Err(WireError::UnknownMmaType(other)),
        }
    }
}

/// The mining configuration: common dimension, noise rank, MMA type, tile patterns and a
/// 32-byte trailer (`e` u16, `top_k` u16, 28 zero bytes; all zero for dense jobs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MiningConfiguration {
    /// k, the common dimension of the GEMM.
    pub common_dim: u32,
    /// r, the noise rank.
    pub rank: u16,
    /// The MMA type.
    pub mma_type: MmaType,
    /// The tile's rows (h elements).
    pub rows_pattern: PeriodicPattern,
    /// The tile's columns (w elements).
    pub cols_pattern: PeriodicPattern,
    /// The MoE trailer; all zero for dense jobs.
    pub reserved: [u8; 32],
}

impl MiningConfiguration {
    /// Serialized size.
    pub const SIZE: usize = 52;

    /// A dense configuration (zero trailer).
    pub fn dense(
        common_dim: u32,
        rank: u16,
        rows_pattern: PeriodicPattern,
        cols_pattern: PeriodicPattern,
    ) -> Self {
        Self {
            common_dim,
            rank,
            mma_type: MmaType::Int7xInt7ToInt32,
            rows_pattern,
            cols_pattern,
            reserved: [0; 32],
        }
    }

    /// The 52-byte wire form, all integers little-endian.
    pub fn to_bytes(&self) -> [u8; 52] {
        let mut out = [0u8; 52];
        out[0..4].copy_from_slice(&self.common_dim.to_le_bytes());
        out[4..6].copy_from_slice(&self.rank.to_le_bytes());
        out[6..8].copy_from_slice(&self.mma_type.wire_value().to_le_bytes());
        out[8..14].copy_from_slice(&self.rows_pattern.to_bytes());
        out[14..20].copy_from_slice(&self.cols_pattern.to_bytes());
        out[20..52].copy_from_slice(&self.reserved);
        out
    }

    /// Decodes exactly 52 bytes with Pearl's checks: MMA type 0, canonical patterns, trailer
    /// bytes 4..32 zero, and `top_k == 0` when `e == 0`. An MoE trailer (`e > 0`) decodes;
    /// see [`Self::is_dense`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::exact(bytes, "MiningConfiguration", Self::SIZE)?;
        let common_dim = r.u32("common_dim")?;
        let rank = r.u16("rank")?;
        let mma_type = MmaType::from_wire(r.u16("mma_type")?)?;
        let rows_pattern = pattern(r.array::<PATTERN_SIZE>("rows_pattern")?, "rows_pattern")?;
        let cols_pattern = pattern(r.array::<PATTERN_SIZE>("cols_pattern")?, "cols_pattern")?;
        let reserved: [u8; 32] = r.array("reserved")?;
        r.finish()?;
        if let Some((index, &value)) = reserved.iter().enumerate().skip(4).find(|(_, b)| **b != 0) {
            return Err(WireError::ReservedNotZero { index, value });
        }
        let config = Self {
            common_dim,
            rank,
            mma_type,
            rows_pattern,
            cols_pattern,
            reserved,
        };
        let (e, top_k) = config.moe_trailer();
        if e == 0 && top_k != 0 {
            return Err(WireError::TopKWithoutExperts { top_k });
        }
        Ok(config)
    }

    /// The trailer's (`e`, `top_k`): (0, 0) for a dense job.
    pub fn moe_trailer(&self) -> (u16, u16) {
        let [e0, e1, k0, k1, ..] = self.reserved;
        (u16::from_le_bytes([e0, e1]), u16::from_le_bytes([k0, k1]))
    }

    /// True for a dense (non-MoE) job: the only kind valid after Pearl's dense-only fork.
    pub fn is_dense(&self) -> bool {
        self.reserved == [0; 32]
    }

    /// `dot_len = k - k mod r`, or `None` when the rank is 0.
    pub fn dot_len(&self) -> Option<u32> {
        let rank = u32::from(self.rank);
        (rank != 0).then(|| self.common_dim - self.common_dim % rank)
    }
}

fn pattern(bytes: [u8; PATTERN_SIZE], field: &'static str) -> Result<PeriodicPattern, WireError> {
    PeriodicPattern::from_bytes(bytes).map_err(|reason| WireError::Pattern { field, reason })
}
