//! Int8 GEMM block kernels: `acc[i][j] += Σ_l a[i][l]·b[j][l]` over a k-range, with A and
//! Bᵀ both stored k-contiguous. Operands are noised values in [-127, 127].

mod portable;

#[cfg(target_arch = "x86_64")]
mod avx2;

/// Which kernel the caller asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KernelChoice {
    /// The fastest kernel this CPU supports.
    #[default]
    Auto,
    /// The portable reference kernel.
    Portable,
    /// The x86_64 AVX2 kernel (refused where the CPU lacks AVX2).
    Avx2,
}

/// A kernel that this CPU can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    /// Portable Rust.
    Portable,
    /// AVX2 `vpmaddubsw` with the sign trick (x86_64 only, checked at run time).
    Avx2,
}

/// The requested kernel cannot run on this machine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {requested} kernel is not available on this CPU ({reason}); use kernel auto or portable")]
pub struct KernelUnavailable {
    /// Kernel name.
    pub requested: &'static str,
    /// Why.
    pub reason: &'static str,
}

/// Whether this CPU can run the AVX2 kernel.
pub fn avx2_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Shape of one block call; see [`Kernel::accumulate`].
#[derive(Debug, Clone, Copy)]
pub struct BlockDims {
    /// Rows of the A block (lines of `a`).
    pub rows: usize,
    /// Columns of the block (lines of `b`).
    pub cols: usize,
    /// Stride between lines of `a`.
    pub lda: usize,
    /// Stride between lines of `b`.
    pub ldb: usize,
    /// First k index.
    pub k0: usize,
    /// Number of k indices.
    pub len: usize,
}

impl BlockDims {
    fn fits(&self, a: &[i8], b: &[i8], acc: &[i32]) -> bool {
        let line_end = self.k0 + self.len;
        let a_ok = self.rows == 0 || (self.rows - 1) * self.lda + line_end <= a.len();
        let b_ok = self.cols == 0 || (self.cols - 1) * self.ldb + line_end <= b.len();
        a_ok && b_ok && acc.len() >= self.rows * self.cols && line_end <= self.lda && line_end <= self.ldb
    }
}

impl Kernel {
    /// Resolves a choice against this CPU.
    pub fn resolve(choice: KernelChoice) -> Result<Self, KernelUnavailable> {
        match choice {
            KernelChoice::Portable => Ok(Self::Portable),
            KernelChoice::Auto => Ok(if avx2_available() { Self::Avx2 } else { Self::Portable }),
            KernelChoice::Avx2 if avx2_available() => Ok(Self::Avx2),
            KernelChoice::Avx2 => Err(KernelUnavailable {
                requested: "avx2",
                reason: if cfg!(target_arch = "x86_64") { "no AVX2 support detected" } else { "not an x86_64 CPU" },
            }),
        }
    }

    /// Short name for reports ("portable", "avx2").
    pub fn name(&self) -> &'static str {
        match self {
            Self::Portable => "portable",
            Self::Avx2 => "avx2",
        }
    }

    /// `acc[i·cols + j] += Σ_{l in k0..k0+len} a[i·lda + l] · b[j·ldb + l]` (wrapping i32).
    ///
    /// # Panics
    /// When a slice is too short for `dims` (a caller bug, never outside data).
    pub fn accumulate(&self, a: &[i8], b: &[i8], dims: BlockDims, acc: &mut [i32]) {
        assert!(dims.fits(a, b, acc), "kernel block {dims:?} does not fit its buffers");
        match self {
            Self::Portable => portable::accumulate(a, b, dims, acc),
            Self::Avx2 => {
                #[cfg(target_arch = "x86_64")]
                avx2::accumulate(a, b, dims, acc);
                #[cfg(not(target_arch = "x86_64"))]
                portable::accumulate(a, b, dims, acc);
            }
        }
    }
}

/// Throughput probes for the bench (x86_64 only).
#[cfg(target_arch = "x86_64")]
pub(crate) use avx2::{probe_int8_macs, probe_int16_macs};
