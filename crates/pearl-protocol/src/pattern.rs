//! `PeriodicPattern`: the canonical (stride, length) description of a tile's rows or columns.
//!
//! The 6-byte form is hashed into the job key, so it must be canonical: `from_list` peels the
//! smallest repeating prefix (outermost dimension first) exactly as Pearl does, and a pattern is
//! accepted only if its bytes decode back to the same dimensions.

/// Number of (stride, length) dimensions in the wire form.
pub const PATTERN_DIMS: usize = 3;

/// Size of a serialized pattern.
pub const PATTERN_SIZE: usize = 2 * PATTERN_DIMS;

/// Largest period (and so largest element + 1) a pattern may have on the wire.
pub const MAX_PATTERN_PERIOD: u64 = 1 << 24;

/// Why a list or 6-byte form is not a valid `PeriodicPattern` (first sentence = Pearl's message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PatternError {
    /// The list has no elements.
    #[error("Pattern cannot be empty: a tile needs at least one row and one column")]
    Empty,
    /// The list is not strictly increasing.
    #[error(
        "Pattern must be sorted and have no duplicates (element {index} is {value}, previous is {previous})"
    )]
    NotSorted {
        /// Position of the offending element.
        index: usize,
        /// The offending element.
        value: u32,
        /// The element before it.
        previous: u32,
    },
    /// The first element is not zero.
    #[error("Pattern must start at 0 (it starts at {first}; subtract the offset first)")]
    NotStartingAtZero {
        /// The first element.
        first: u32,
    },
    /// No repeating prefix explains the list.
    #[error(
        "Pattern is not periodic ({len} elements cannot be written as a product of arithmetic progressions)"
    )]
    NotPeriodic {
        /// Length of the sub-list that failed to peel.
        len: usize,
    },
    /// The list is periodic but needs more dimensions than the 3 the wire form holds.
    #[error(
        "Pattern needs {dims} dimensions but at most 3 fit in the 6-byte form (Pearl's own from_list panics here; the pattern is invalid)"
    )]
    TooManyDimensions {
        /// Dimensions the list needs.
        dims: usize,
    },
    /// The peeled dimensions do not survive a trip through the 6-byte form.
    #[error(
        "Constructed pattern is not valid: its dimensions {dims:?} (stride, length) have no canonical 6-byte form (factor or length above 256, a stride that is not a multiple of the inner period, or a period above 2^24)"
    )]
    NotRepresentable {
        /// The (stride, length) dimensions that were peeled, innermost first.
        dims: Vec<(u64, u64)>,
    },
    /// A dimension of length 1 is followed by a used dimension, or has a factor other than 1.
    #[error(
        "Using non-canonical representation: dimension {dim} has bytes ({factor_byte:#04x}, {length_byte:#04x}) after an unused dimension; unused dimensions must be (0x00, 0x00) and come last"
    )]
    NonCanonical {
        /// Index of the offending dimension (0 = innermost).
        dim: usize,
        /// Its factor byte (factor - 1).
        factor_byte: u8,
        /// Its length byte (length - 1).
        length_byte: u8,
    },
    /// A dimension with factor 1 continues the previous one; the two must be merged.
    #[error(
        "A single stride must not be broken: dimension {dim} has factor 1, so it continues dimension {prev}; merge them into one longer dimension"
    )]
    BrokenStride {
        /// Index of the offending dimension.
        dim: usize,
        /// Index of the dimension it continues.
        prev: usize,
    },
    /// The period exceeds 2^24.
    #[error("Pattern must have period <= 2^24 (dimension {dim} would reach period {period})")]
    PeriodTooLarge {
        /// Index of the dimension that overflowed.
        dim: usize,
        /// The period it would reach.
        period: u64,
    },
    /// `split_offset` was given no indices.
    #[error("pattern parsing error: Empty indices (a proof must open at least one row and column)")]
    EmptyIndices,
    /// `split_offset` was given indices that are not strictly increasing.
    #[error(
        "pattern parsing error: Indices not strictly increasing (index {index} is {value}, previous is {previous})"
    )]
    IndicesNotIncreasing {
        /// Position of the offending index.
        index: usize,
        /// The offending index.
        value: u32,
        /// The index before it.
        previous: u32,
    },
    /// The first index is not a valid tile offset for the pattern.
    #[error(
        "pattern parsing error: offset {offset} is not valid for pattern (for each dimension, offset mod stride*length must be < stride)"
    )]
    InvalidOffset {
        /// The rejected offset.
        offset: u32,
    },
}

/// A periodic index pattern: `sum_i a_i * stride_i` for `a_i < length_i`, three dimensions,
/// innermost first, always in canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PeriodicPattern {
    dims: [(u32, u32); PATTERN_DIMS],
}

impl PeriodicPattern {
    /// Builds the canonical pattern of a sorted list that starts at 0, as Pearl's `from_list`.
    pub fn from_list(list: &[u32]) -> Result<Self, PatternError> {
        let Some(&first) = list.first() else {
            return Err(PatternError::Empty);
        };
        if let Some((index, value, previous)) = first_not_increasing(list) {
            return Err(PatternError::NotSorted {
                index,
                value,
                previous,
            });
        }
        if first != 0 {
            return Err(PatternError::NotStartingAtZero { first });
        }

        // Peel the outermost dimension repeatedly: the shortest prefix whose shifted copies
        // rebuild the list. Pearl peels to the end before looking at the dimension count.
        let mut prefix: Vec<u64> = list.iter().map(|&v| u64::from(v)).collect();
        let mut outer_first: Vec<(u64, u64)> = Vec::new();
        while prefix.len() > 1 {
            let (period, stride) =
                shortest_period(&prefix).ok_or(PatternError::NotPeriodic { len: prefix.len() })?;
            outer_first.push((stride, (prefix.len() / period) as u64));
            prefix.truncate(period);
        }
        let mut dims: Vec<(u64, u64)> = outer_first.into_iter().rev().collect();
        if dims.len() > PATTERN_DIMS {
            return Err(PatternError::TooManyDimensions { dims: dims.len() });
        }
        let period = dims.last().map_or(1, |&(s, l)| s.saturating_mul(l));
        while dims.len() < PATTERN_DIMS {
            dims.push((period, 1));
        }
        let not_representable = || PatternError::NotRepresentable { dims: dims.clone() };
        let bytes = encode_dims(&dims).ok_or_else(not_representable)?;
        let decoded = Self::from_bytes(bytes).map_err(|_| not_representable())?;
        let same = decoded
            .dims
            .iter()
            .zip(&dims)
            .all(|(&(s, l), &(ws, wl))| u64::from(s) == ws && u64::from(l) == wl);
        if same {
            Ok(decoded)
        } else {
            Err(not_representable())
        }
    }

    /// Splits sorted absolute indices into (pattern, offset), as Pearl's `list_to_pattern`.
    pub fn split_offset(indices: &[u32]) -> Result<(Self, u32), PatternError> {
        let Some(&offset) = indices.first() else {
            return Err(PatternError::EmptyIndices);
        };
        if let Some((index, value, previous)) = first_not_increasing(indices) {
            return Err(PatternError::IndicesNotIncreasing {
                index,
                value,
                previous,
            });
        }
        let normalized: Vec<u32> = indices.iter().map(|&i| i - offset).collect();
        let pattern = Self::from_list(&normalized)?;
        if !pattern.offset_is_valid(offset) {
            return Err(PatternError::InvalidOffset { offset });
        }
        Ok((pattern, offset))
    }

    /// Sorted element offsets, starting at 0 (materializes `len()` values).
    pub fn to_list(&self) -> Vec<u32> {
        let mut list = vec![0u32];
        for &(stride, length) in &self.dims {
            let mut next = Vec::with_capacity(list.len() * length as usize);
            for step in 0..length {
                next.extend(list.iter().map(|&base| base + step * stride));
            }
            list = next;
        }
        list
    }

    /// The canonical 6-byte form: (factor - 1, length - 1) per dimension, innermost first.
    pub fn to_bytes(&self) -> [u8; PATTERN_SIZE] {
        let mut bytes = [0u8; PATTERN_SIZE];
        let mut inner_period = 1u32;
        for (pair, &(stride, length)) in bytes.chunks_exact_mut(2).zip(&self.dims) {
            // Invariant of every constructed pattern: stride = factor * inner_period with
            // 1 <= factor <= 256 and 1 <= length <= 256.
            pair[0] = (stride / inner_period - 1) as u8;
            pair[1] = (length - 1) as u8;
            inner_period = stride * length;
        }
        bytes
    }

    /// Decodes the 6-byte form, with Pearl's canonicality checks.
    pub fn from_bytes(bytes: [u8; PATTERN_SIZE]) -> Result<Self, PatternError> {
        let mut dims = [(0u32, 0u32); PATTERN_DIMS];
        let mut inner_period = 1u64;
        let mut done = false;
        for (dim, pair) in bytes.chunks_exact(2).enumerate() {
            let (factor_byte, length_byte) = (pair[0], pair[1]);
            let factor = 1 + u64::from(factor_byte);
            let length = 1 + u64::from(length_byte);
            if length == 1 || done {
                if factor != 1 || length != 1 {
                    return Err(PatternError::NonCanonical {
                        dim,
                        factor_byte,
                        length_byte,
                    });
                }
                done = true;
            } else if factor == 1 && inner_period != 1 {
                return Err(PatternError::BrokenStride {
                    dim,
                    prev: dim.saturating_sub(1),
                });
            }
            if inner_period > MAX_PATTERN_PERIOD / (factor * length) {
                return Err(PatternError::PeriodTooLarge {
                    dim,
                    period: inner_period * factor * length,
                });
            }
            let stride = factor * inner_period;
            // Both fit: stride * length <= 2^24 was just checked.
            dims[dim] = (stride as u32, length as u32);
            inner_period = stride * length;
        }
        Ok(Self { dims })
    }

    /// The (stride, length) dimensions, innermost first; unused ones have length 1.
    pub fn dims(&self) -> [(u32, u32); PATTERN_DIMS] {
        self.dims
    }

    /// Number of elements (the tile's h or w).
    pub fn len(&self) -> usize {
        self.dims.iter().map(|&(_, l)| l as usize).product()
    }

    /// Always false: a pattern has at least one element.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Largest element.
    pub fn max_value(&self) -> u32 {
        self.dims.iter().map(|&(s, l)| s * (l - 1)).sum()
    }

    /// Outermost stride * length: the pattern repeats with this period.
    pub fn period(&self) -> u32 {
        let (stride, length) = self.dims[PATTERN_DIMS - 1];
        stride * length
    }

    /// Whether a tile may start at `offset`: for each dimension, outermost first,
    /// `offset mod (stride * length) < stride`.
    pub fn offset_is_valid(&self, offset: u32) -> bool {
        let mut rest = offset;
        for &(stride, length) in self.dims.iter().rev() {
            rest %= stride * length;
            if rest >= stride {
                return false;
            }
        }
        true
    }
}

/// The first element not above its predecessor, as (its position, it, the predecessor).
fn first_not_increasing(list: &[u32]) -> Option<(usize, u32, u32)> {
    list.windows(2)
        .enumerate()
        .find_map(|(i, pair)| match *pair {
            [previous, value] if previous >= value => Some((i + 1, value, previous)),
            _ => None,
        })
}

/// Shortest prefix length `p` (dividing the list length) with `list[i] + list[p] == list[i + p]`.
fn shortest_period(list: &[u64]) -> Option<(usize, u64)> {
    (1..list.len())
        .filter(|&p| list.len().is_multiple_of(p))
        .find_map(|p| {
            let stride = list[p];
            let periodic = list.iter().zip(&list[p..]).all(|(&a, &b)| a + stride == b);
            periodic.then_some((p, stride))
        })
}

/// The 6-byte form of arbitrary dimensions, or `None` when Pearl's encoder would lose
/// information (its round-trip check then rejects the pattern).
fn encode_dims(dims: &[(u64, u64)]) -> Option<[u8; PATTERN_SIZE]> {
    let mut bytes = [0u8; PATTERN_SIZE];
    let mut inner_period = 1u64;
    for (pair, &(stride, length)) in bytes.chunks_exact_mut(2).zip(dims) {
        if stride % inner_period != 0 {
            return None;
        }
        let factor = stride / inner_period;
        pair[0] = u8::try_from(factor.checked_sub(1)?).ok()?;
        pair[1] = u8::try_from(length.checked_sub(1)?).ok()?;
        inner_period = stride.checked_mul(length)?;
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_element_is_all_zero_bytes() {
        let p = PeriodicPattern::from_list(&[0]).unwrap();
        assert_eq!(p.to_bytes(), [0; 6]);
        assert_eq!(p.len(), 1);
        assert_eq!(p.period(), 1);
        assert_eq!(p.to_list(), vec![0]);
    }

    #[test]
    fn huge_values_do_not_overflow() {
        assert!(PeriodicPattern::from_list(&[0, u32::MAX]).is_err());
        assert!(PeriodicPattern::from_list(&[0, 3_000_000_000, u32::MAX]).is_err());
        let (p, offset) = PeriodicPattern::split_offset(&[u32::MAX - 1, u32::MAX]).unwrap();
        assert_eq!((p.to_list(), offset), (vec![0, 1], u32::MAX - 1));
        assert!(!p.offset_is_valid(u32::MAX));
    }
}
