//! A bounds-checked little-endian cursor shared by every decoder in this crate.

use crate::error::WireError;

/// Reads fields front to back; every read checks the remaining length first.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    what: &'static str,
    prefix: &'static str,
}

impl<'a> Reader<'a> {
    /// A cursor over `bytes`, which hold one `what` object.
    pub(crate) fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Self {
            bytes,
            pos: 0,
            what,
            prefix: "",
        }
    }

    /// A cursor over `bytes`, which must be exactly `size` bytes: one fixed-size `what` object.
    pub(crate) fn exact(
        bytes: &'a [u8],
        what: &'static str,
        size: usize,
    ) -> Result<Self, WireError> {
        if bytes.len() != size {
            return Err(WireError::WrongLength {
                what,
                expected: size,
                got: bytes.len(),
            });
        }
        Ok(Self::new(bytes, what))
    }

    /// Prepends `prefix` to the field names in later errors (e.g. `"bt."`).
    pub(crate) fn set_prefix(&mut self, prefix: &'static str) {
        self.prefix = prefix;
    }

    /// The current field-name prefix.
    pub(crate) fn prefix(&self) -> &'static str {
        self.prefix
    }

    /// Bytes not yet read.
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// The next `n` bytes.
    pub(crate) fn take(&mut self, n: usize, field: &str) -> Result<&'a [u8], WireError> {
        let remaining = self.remaining();
        if n > remaining {
            return Err(WireError::Truncated {
                what: self.what,
                field: format!("{}{field}", self.prefix),
                offset: self.pos,
                needed: n,
                remaining,
            });
        }
        let out = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    /// The next `N` bytes as an array.
    pub(crate) fn array<const N: usize>(&mut self, field: &str) -> Result<[u8; N], WireError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, field)?);
        Ok(out)
    }

    /// One byte.
    pub(crate) fn u8(&mut self, field: &str) -> Result<u8, WireError> {
        Ok(self.array::<1>(field)?[0])
    }

    /// A little-endian u16.
    pub(crate) fn u16(&mut self, field: &str) -> Result<u16, WireError> {
        Ok(u16::from_le_bytes(self.array(field)?))
    }

    /// A little-endian u32.
    pub(crate) fn u32(&mut self, field: &str) -> Result<u32, WireError> {
        Ok(u32::from_le_bytes(self.array(field)?))
    }

    /// A little-endian u64.
    pub(crate) fn u64(&mut self, field: &str) -> Result<u64, WireError> {
        Ok(u64::from_le_bytes(self.array(field)?))
    }

    /// A u64 sequence length, rejected before any allocation when `count` elements of at least
    /// `min_elem_size` bytes cannot fit in what is left.
    pub(crate) fn seq_len(
        &mut self,
        field: &str,
        min_elem_size: usize,
    ) -> Result<usize, WireError> {
        let offset = self.pos;
        let count = self.u64(field)?;
        let remaining = self.remaining();
        let fits = u128::from(count) * min_elem_size as u128 <= remaining as u128;
        match usize::try_from(count) {
            Ok(n) if fits => Ok(n),
            _ => Err(WireError::LengthPrefixTooLarge {
                what: self.what,
                field: format!("{}{field}", self.prefix),
                offset,
                count,
                min_elem_size,
                remaining,
            }),
        }
    }

    /// Fails if any byte is left unread.
    pub(crate) fn finish(self) -> Result<(), WireError> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(WireError::TrailingBytes {
                what: self.what,
                count,
            }),
        }
    }
}

/// `bytes` reversed (display <-> internal order of a 32-byte hash).
pub(crate) fn reversed(bytes: [u8; 32]) -> [u8; 32] {
    let mut out = bytes;
    out.reverse();
    out
}
