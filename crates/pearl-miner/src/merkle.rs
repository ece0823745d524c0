//! Keyed-BLAKE3 Merkle trees over 1024-byte chunks, multi-leaf openings (Pearl's wire
//! `MerkleProof`) in Pearl's sibling order, and a root recomputation that accepts unneeded
//! siblings (as Pearl's verifier does).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use blake3::hazmat::{HasherExt, Mode, merge_subtrees_non_root, merge_subtrees_root};
use pearl_protocol::MerkleProof;

use crate::MERKLE_CHUNK_LEN;
use crate::commit::Hash32;

/// Why an opening does not yield a root or the requested bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    /// The opening lists no leaf at all.
    #[error("the Merkle opening has no leaves; open at least the leaves holding the tile rows")]
    NoLeaves,
    /// `leaf_data` and `leaf_indices` differ in length.
    #[error("the Merkle opening has {data} leaf blobs but {indices} leaf indices; they must match")]
    LeafCountMismatch {
        /// Number of leaf blobs.
        data: usize,
        /// Number of leaf indices.
        indices: usize,
    },
    /// Leaf indices are not strictly increasing.
    #[error("Merkle leaf indices must be sorted and unique")]
    UnsortedLeaves,
    /// A leaf index is not below `total_leaves`.
    #[error("Merkle leaf index {index} is out of range for a tree of {total} leaves")]
    LeafOutOfRange {
        /// The offending index.
        index: u64,
        /// Declared leaf count.
        total: u64,
    },
    /// A leaf blob is not exactly 1024 bytes.
    #[error("Merkle leaf {index} is {len} bytes; every leaf must be exactly 1024 bytes")]
    BadLeafLength {
        /// Leaf index.
        index: u64,
        /// Its length.
        len: usize,
    },
    /// A subtree needed for the root is neither opened nor given as a sibling.
    #[error(
        "Merkle opening lacks a sibling for chunks {start}..{end}: not all required bytes are covered"
    )]
    MissingSibling {
        /// First chunk of the uncovered subtree.
        start: u64,
        /// One past its last chunk.
        end: u64,
    },
    /// Requested bytes are not all inside opened leaves.
    #[error("bytes {start}..{end} are not all covered by the opened Merkle leaves")]
    BytesNotCovered {
        /// First byte.
        start: u64,
        /// One past the last byte.
        end: u64,
    },
}

fn chunk_cv(key: &Hash32, chunk: &[u8], index: u64) -> Hash32 {
    let mut hasher = blake3::Hasher::new_keyed(key);
    hasher.set_input_offset(index * MERKLE_CHUNK_LEN as u64);
    hasher.update(chunk);
    hasher.finalize_non_root()
}

fn parent_cv(key: &Hash32, left: &Hash32, right: &Hash32, root: bool) -> Hash32 {
    if root {
        *merge_subtrees_root(left, right, Mode::KeyedHash(key)).as_bytes()
    } else {
        merge_subtrees_non_root(left, right, Mode::KeyedHash(key))
    }
}

/// Leaf `index` of `data` into `leaf` (1024 bytes), zero-padded past the end of the data.
fn copy_leaf(data: &[u8], index: usize, leaf: &mut [u8]) {
    leaf.fill(0);
    let rest = data.get(index * MERKLE_CHUNK_LEN..).unwrap_or_default();
    let take = rest.len().min(MERKLE_CHUNK_LEN);
    leaf[..take].copy_from_slice(&rest[..take]);
}

/// The index of a node's parent one layer up. (One function for both ends of a changed
/// range in [`MerkleTree::update`]: `last * 2` alone would only re-hash more parents, the
/// same root, so the mutation pass could not tell it apart.)
fn parent(index: usize) -> usize {
    index / 2
}

/// Number of 1024-byte leaves of `byte_len` bytes of (padded) data.
pub fn leaf_count(byte_len: usize) -> u64 {
    byte_len.div_ceil(MERKLE_CHUNK_LEN) as u64
}

/// Leaves holding rows `rows` of a row-major matrix with `cols` bytes per row.
pub fn leaf_indices_for_rows(rows: &[u64], cols: u64) -> Vec<u64> {
    let chunk = MERKLE_CHUNK_LEN as u64;
    let mut set = BTreeSet::new();
    for &row in rows {
        if cols == 0 {
            continue;
        }
        let first = row * cols / chunk;
        let last = ((row + 1) * cols - 1) / chunk;
        set.extend(first..=last);
    }
    set.into_iter().collect()
}

/// A full tree kept in memory so that openings can be cut from it.
#[derive(Debug, Clone)]
pub struct MerkleTree {
    key: Hash32,
    layers: Vec<Vec<Hash32>>,
    root: Hash32,
}

impl MerkleTree {
    /// Builds the tree of `data` zero-padded to a 1024 multiple.
    pub fn build(key: &Hash32, data: &[u8]) -> Self {
        let leaves = leaf_count(data.len()).max(1) as usize;
        let mut first = Vec::with_capacity(leaves);
        let mut chunk = [0u8; MERKLE_CHUNK_LEN];
        for index in 0..leaves {
            copy_leaf(data, index, &mut chunk);
            first.push(chunk_cv(key, &chunk, index as u64));
        }
        let mut layers = vec![first];
        while let Some(last) = layers.last() {
            if last.len() <= 2 {
                break;
            }
            let next = last
                .chunks(2)
                .map(|pair| match pair {
                    [left, right] => parent_cv(key, left, right, false),
                    [single] => *single,
                    _ => unreachable!("chunks(2) yields one or two items"),
                })
                .collect();
            layers.push(next);
        }
        // The top layer holds the root's two children, so the data is hashed only once.
        let root = match layers.last().map(Vec::as_slice) {
            Some([left, right]) => parent_cv(key, left, right, true),
            _ => crate::commit::commit_matrix(key, data),
        };
        Self {
            key: *key,
            layers,
            root,
        }
    }

    /// The root, equal to `commit_matrix(key, data)`.
    pub fn root(&self) -> Hash32 {
        self.root
    }

    /// Leaf count.
    pub fn num_leaves(&self) -> u64 {
        self.layers.first().map_or(0, |l| l.len() as u64)
    }

    /// The key the tree was built with.
    pub fn key(&self) -> Hash32 {
        self.key
    }

    /// The root after `data[bytes]` changed (`data` the whole matrix, as long as when the
    /// tree was built): only the changed leaves and the paths above them are hashed again.
    ///
    /// # Panics
    /// When `bytes` lies outside `data`.
    pub fn update(&mut self, data: &[u8], bytes: Range<usize>) -> Hash32 {
        assert!(bytes.start <= bytes.end && bytes.end <= data.len());
        if self.layers[0].len() == 1 {
            self.root = crate::commit::commit_matrix(&self.key, data);
            return self.root;
        }
        if bytes.is_empty() {
            return self.root;
        }
        let mut first = bytes.start / MERKLE_CHUNK_LEN;
        let mut last = (bytes.end - 1) / MERKLE_CHUNK_LEN;
        let mut chunk = [0u8; MERKLE_CHUNK_LEN];
        for index in first..=last {
            copy_leaf(data, index, &mut chunk);
            self.layers[0][index] = chunk_cv(&self.key, &chunk, index as u64);
        }
        for level in 1..self.layers.len() {
            (first, last) = (parent(first), parent(last));
            let (below, above) = self.layers.split_at_mut(level);
            let (below, above) = (&below[level - 1], &mut above[0]);
            for (index, node) in above.iter_mut().enumerate().take(last + 1).skip(first) {
                *node = match below.get(2 * index + 1) {
                    Some(right) => parent_cv(&self.key, &below[2 * index], right, false),
                    None => below[2 * index],
                };
            }
        }
        let top = &self.layers[self.layers.len() - 1];
        self.root = parent_cv(&self.key, &top[0], &top[1], true);
        self.root
    }

    /// Opens `leaf_indices` (any order, duplicates ignored; each must be below
    /// `num_leaves`). `data` must be the bytes the tree was built from. The opening holds
    /// the (zero-padded) leaves and exactly the needed siblings, in Pearl's order.
    pub fn open(&self, data: &[u8], leaf_indices: &[u64]) -> MerkleProof {
        let total = self.num_leaves();
        let unique: BTreeSet<u64> = leaf_indices
            .iter()
            .copied()
            .filter(|&i| i < total)
            .collect();
        let leaf_data = unique
            .iter()
            .map(|&i| {
                let mut leaf = vec![0u8; MERKLE_CHUNK_LEN];
                copy_leaf(data, i as usize, &mut leaf);
                leaf
            })
            .collect();
        let mut siblings = Vec::new();
        let mut current = unique.clone();
        let mut level_len = total;
        let mut level = 0;
        while level_len > 1 && !current.is_empty() {
            let nodes = &self.layers[level];
            for &i in &current {
                if i % 2 == 1 {
                    if !current.contains(&(i - 1)) {
                        siblings.push(nodes[(i - 1) as usize]);
                    }
                } else if i + 1 < level_len && !current.contains(&(i + 1)) {
                    siblings.push(nodes[(i + 1) as usize]);
                }
            }
            current = current.iter().map(|&i| i / 2).collect();
            level_len = level_len.div_ceil(2);
            level += 1;
        }
        MerkleProof {
            leaf_data,
            leaf_indices: unique.into_iter().collect(),
            total_leaves: total,
            root: self.root,
            siblings,
        }
    }
}

fn check_shape(opening: &MerkleProof) -> Result<(), MerkleError> {
    if opening.leaf_indices.is_empty() {
        return Err(MerkleError::NoLeaves);
    }
    if opening.leaf_data.len() != opening.leaf_indices.len() {
        return Err(MerkleError::LeafCountMismatch {
            data: opening.leaf_data.len(),
            indices: opening.leaf_indices.len(),
        });
    }
    if opening.leaf_indices.windows(2).any(|w| w[0] >= w[1]) {
        return Err(MerkleError::UnsortedLeaves);
    }
    for (&index, leaf) in opening.leaf_indices.iter().zip(&opening.leaf_data) {
        if index >= opening.total_leaves {
            return Err(MerkleError::LeafOutOfRange {
                index,
                total: opening.total_leaves,
            });
        }
        if leaf.len() != MERKLE_CHUNK_LEN {
            return Err(MerkleError::BadLeafLength {
                index,
                len: leaf.len(),
            });
        }
    }
    Ok(())
}

/// Maps the given siblings onto chunk ranges in Pearl's order; siblings left over are ignored.
fn sibling_ranges(opening: &MerkleProof) -> BTreeMap<(u64, u64), Hash32> {
    let mut ranges = BTreeMap::new();
    let total = opening.total_leaves;
    let mut current: BTreeSet<u64> = opening.leaf_indices.iter().copied().collect();
    let mut next_sibling = opening.siblings.iter();
    let mut level_len = total;
    let mut level = 0u32;
    while level_len > 1 && !current.is_empty() {
        for &i in &current {
            let sib = if i % 2 == 0 { i + 1 } else { i - 1 };
            // Only the last node of an odd-length level lacks a sibling (`sib == level_len`).
            let needed = sib < level_len && !current.contains(&sib);
            if needed {
                let Some(&hash) = next_sibling.next() else {
                    break;
                };
                let start = sib << level;
                let end = ((sib + 1) << level).min(total);
                ranges.insert((start, end), hash);
            }
        }
        current = current.iter().map(|&i| i / 2).collect();
        level_len = level_len.div_ceil(2);
        level += 1;
    }
    ranges
}

struct RootWalk<'a> {
    key: &'a Hash32,
    leaves: BTreeMap<u64, &'a [u8]>,
    siblings: BTreeMap<(u64, u64), Hash32>,
}

impl RootWalk<'_> {
    fn node(&self, start: u64, end: u64, is_root: bool) -> Result<Hash32, MerkleError> {
        if !is_root && let Some(hash) = self.siblings.get(&(start, end)) {
            return Ok(*hash);
        }
        let count = end - start;
        if count == 1 {
            let leaf = self
                .leaves
                .get(&start)
                .ok_or(MerkleError::MissingSibling { start, end })?;
            return Ok(if is_root {
                *blake3::keyed_hash(self.key, leaf).as_bytes()
            } else {
                chunk_cv(self.key, leaf, start)
            });
        }
        // BLAKE3: the left subtree holds the largest power of two of chunks below `count`.
        let left_count = 1u64 << (63 - (count - 1).leading_zeros());
        let left = self.node(start, start + left_count, false)?;
        let right = self.node(start + left_count, end, false)?;
        Ok(parent_cv(self.key, &left, &right, is_root))
    }
}

/// Recomputes the root of an opening as Pearl's plain verifier does: needed subtrees come
/// from opened leaves or from siblings mapped in Pearl's order; unneeded siblings are ignored.
/// The opening's declared `root` is not read.
pub fn recompute_root(key: &Hash32, opening: &MerkleProof) -> Result<Hash32, MerkleError> {
    check_shape(opening)?;
    let walk = RootWalk {
        key,
        leaves: opening
            .leaf_indices
            .iter()
            .copied()
            .zip(opening.leaf_data.iter().map(Vec::as_slice))
            .collect(),
        siblings: sibling_ranges(opening),
    };
    walk.node(0, opening.total_leaves, true)
}

/// Copies bytes `start..start+len` of the committed data out of the opened leaves.
pub fn extract_bytes(opening: &MerkleProof, start: u64, len: u64) -> Result<Vec<u8>, MerkleError> {
    let end = start.checked_add(len).ok_or(MerkleError::BytesNotCovered {
        start,
        end: u64::MAX,
    })?;
    let chunk = MERKLE_CHUNK_LEN as u64;
    let mut out = Vec::new();
    let mut pos = start;
    while pos < end {
        let leaf_index = pos / chunk;
        let Ok(slot) = opening.leaf_indices.binary_search(&leaf_index) else {
            return Err(MerkleError::BytesNotCovered { start, end });
        };
        let leaf = opening
            .leaf_data
            .get(slot)
            .ok_or(MerkleError::BytesNotCovered { start, end })?;
        let leaf_start = leaf_index * chunk;
        let from = (pos - leaf_start) as usize;
        let to = ((end - leaf_start).min(chunk)) as usize;
        let piece = leaf
            .get(from..to)
            .ok_or(MerkleError::BytesNotCovered { start, end })?;
        if out.is_empty() {
            out.reserve(len as usize);
        }
        out.extend_from_slice(piece);
        pos = leaf_start + to as u64;
    }
    Ok(out)
}
