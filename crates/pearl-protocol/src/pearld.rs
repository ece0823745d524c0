//! pearld
