//! Free-space rows and the Hugging Face cache location.

use std::path::{Path, PathBuf};

use jarvis_core::paths::JarvisHome;

use super::{CheckRow, Group, HOME_MIN_FREE_GB, Status};

/// The Hugging Face hub cache: `HF_HUB_CACHE`, else `HF_HOME/hub`, else `~/.cache/huggingface/hub`.
pub fn hf_cache_dir(env: &(dyn Fn(&str) -> Option<String> + Sync)) -> PathBuf {
    let set = |k: &str| env(k).filter(|v| !v.is_empty());
    if let Some(p) = set("HF_HUB_CACHE") {
        return PathBuf::from(p);
    }
    if let Some(p) = set("HF_HOME") {
        return PathBuf::from(p).join("hub");
    }
    let home = set("HOME").unwrap_or_else(|| "/".to_owned());
    PathBuf::from(home).join(".cache/huggingface/hub")
}

pub(super) fn home_disk_row(home: &JarvisHome) -> CheckRow {
    disk_free_row(
        Group::Disk,
        "Free space",
        &home.root(),
        HOME_MIN_FREE_GB,
        "free space on that disk",
    )
}

/// A free-space row for `path`, failing below `need_gb`.
pub fn disk_free_row(group: Group, name: &str, path: &Path, need_gb: f64, fix: &str) -> CheckRow {
    match jarvis_core::hardware::disk_free_bytes(path) {
        Ok(bytes) => {
            let gb = bytes as f64 / 1024f64.powi(3);
            let info = format!("{gb:.0} GB free at {}", path.display());
            if gb >= need_gb {
                CheckRow::new(group, name, Status::Ok, info)
            } else {
                CheckRow::new(
                    group,
                    name,
                    Status::Fail,
                    format!("{info} (need ≥{need_gb:.0} GB)"),
                )
                .fix(fix)
            }
        }
        Err(e) => CheckRow::new(
            group,
            name,
            Status::Warn,
            format!("cannot measure {}: {e}", path.display()),
        ),
    }
}
