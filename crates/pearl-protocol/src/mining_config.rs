//! mining_config
