//! The free-space row for jarvis home.

use jarvis_core::paths::JarvisHome;
use jarvis_mining::check::{CheckRow, Group, disk_free_row};

/// Free space jarvis home needs for logs and history.
pub const HOME_MIN_FREE_GB: f64 = 1.0;

pub(crate) fn home_disk_row(home: &JarvisHome) -> CheckRow {
    disk_free_row(
        Group::Disk,
        "Free space",
        &home.root(),
        HOME_MIN_FREE_GB,
        "free space on that disk",
    )
}
