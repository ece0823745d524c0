//! public_data
