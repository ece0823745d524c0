//! A matrix commitment kept as its BLAKE3 tree (chunk chaining values and every parent), so
//! that rewriting a few rows re-hashes only their chunks and the paths above them. The root
//! equals [`crate::commit::commit_matrix`] (Pearl's Merkle tree pairs neighbours and carries
//! an odd node up, which is BLAKE3's own tree shape).

use std::ops::Range;

use blake3::hazmat::{HasherExt, Mode, merge_subtrees_non_root, merge_subtrees_root};

use crate::MERKLE_CHUNK_LEN;
use crate::commit::{self, Hash32};

/// The tree of one matrix under one key.
#[derive(Debug, Clone)]
pub(crate) struct CommitTree {
    key: Hash32,
    /// `layers[0]` holds the chunk CVs; each next layer pairs neighbours (an odd one is
    /// carried up) until at most two nodes remain, the root's children.
    layers: Vec<Vec<Hash32>>,
    root: Hash32,
}

impl CommitTree {
    /// The tree of `data` zero-padded to whole chunks.
    pub(crate) fn new(key: &Hash32, data: &[u8]) -> Self {
        let leaves = data.len().div_ceil(MERKLE_CHUNK_LEN).max(1);
        let mut layers = vec![vec![[0u8; 32]; leaves]];
        while layers.last().is_some_and(|l| l.len() > 2) {
            let below = layers.last().map_or(0, Vec::len);
            layers.push(vec![[0u8; 32]; below.div_ceil(2)]);
        }
        let mut tree = Self {
            key: *key,
            layers,
            root: [0; 32],
        };
        tree.update(data, 0..data.len());
        tree
    }

    /// The root after `data[bytes]` changed (`data` the whole matrix, same length as at
    /// [`Self::new`]).
    ///
    /// # Panics
    /// When `bytes` lies outside `data`.
    pub(crate) fn update(&mut self, data: &[u8], bytes: Range<usize>) -> Hash32 {
        assert!(bytes.start <= bytes.end && bytes.end <= data.len());
        if self.layers[0].len() == 1 {
            self.root = commit::commit_matrix(&self.key, data);
            return self.root;
        }
        if bytes.is_empty() {
            return self.root;
        }
        let mut first = bytes.start / MERKLE_CHUNK_LEN;
        let mut last = (bytes.end - 1) / MERKLE_CHUNK_LEN;
        let mut chunk = [0u8; MERKLE_CHUNK_LEN];
        for index in first..=last {
            let start = index * MERKLE_CHUNK_LEN;
            let end = (start + MERKLE_CHUNK_LEN).min(data.len());
            chunk.fill(0);
            chunk[..end - start].copy_from_slice(&data[start..end]);
            let mut hasher = blake3::Hasher::new_keyed(&self.key);
            hasher.set_input_offset((index * MERKLE_CHUNK_LEN) as u64);
            hasher.update(&chunk);
            self.layers[0][index] = hasher.finalize_non_root();
        }
        for level in 1..self.layers.len() {
            (first, last) = (parent(first), parent(last));
            let (below, above) = self.layers.split_at_mut(level);
            let (below, above) = (&below[level - 1], &mut above[0]);
            for (index, node) in above.iter_mut().enumerate().take(last + 1).skip(first) {
                *node = match below.get(2 * index + 1) {
                    Some(right) => merge_subtrees_non_root(
                        &below[2 * index],
                        right,
                        Mode::KeyedHash(&self.key),
                    ),
                    None => below[2 * index],
                };
            }
        }
        let top = &self.layers[self.layers.len() - 1];
        self.root = *merge_subtrees_root(&top[0], &top[1], Mode::KeyedHash(&self.key)).as_bytes();
        self.root
    }

    /// The current root.
    #[cfg(test)]
    pub(crate) fn root(&self) -> Hash32 {
        self.root
    }
}

/// The index of a node's parent one layer up. (One function for both ends of the changed
/// range: `last * 2` alone would only re-hash more parents, the same root, so the mutation
/// pass could not tell it apart.)
fn parent(index: usize) -> usize {
    index / 2
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn root_follows_every_rewrite(
            len in 1usize..9000,
            seed in any::<u8>(),
            edits in proptest::collection::vec((any::<usize>(), 0usize..3000, any::<u8>()), 1..6),
        ) {
            let key = [seed; 32];
            let mut data: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(seed | 1)).collect();
            let mut tree = CommitTree::new(&key, &data);
            prop_assert_eq!(tree.root(), commit::commit_matrix(&key, &data));
            for (at, span, value) in edits {
                let start = at % len;
                let end = (start + span).min(len);
                data[start..end].fill(value);
                let root = tree.update(&data, start..end);
                prop_assert_eq!(root, commit::commit_matrix(&key, &data));
            }
        }
    }

    #[test]
    fn power_of_two_and_odd_chunk_counts_match() {
        for chunks in [1usize, 2, 3, 4, 5, 7, 8, 9, 16, 31, 512] {
            let data: Vec<u8> = (0..chunks * MERKLE_CHUNK_LEN)
                .map(|i| (i % 251) as u8)
                .collect();
            let mut tree = CommitTree::new(&[4; 32], &data);
            assert_eq!(
                tree.root(),
                commit::commit_matrix(&[4; 32], &data),
                "{chunks}"
            );
            let mut changed = data.clone();
            let last = changed.len() - 1;
            changed[last] ^= 1;
            assert_eq!(
                tree.update(&changed, last..last + 1),
                commit::commit_matrix(&[4; 32], &changed),
                "{chunks}"
            );
        }
    }
}
