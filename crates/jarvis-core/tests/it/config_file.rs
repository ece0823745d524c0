//! The generic `config.toml` machinery: parsing with positions, typed reads whose errors point
//! at `path:line:col`, and comment-preserving edits.

use std::path::Path;

use jarvis_core::config::{ConfigEdit, ConfigError, ConfigFile, edit};
use proptest::prelude::*;

fn parse(text: &str) -> ConfigFile {
    ConfigFile::parse(text, Path::new("config.toml")).unwrap()
}

#[test]
fn missing_file_is_none() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        ConfigFile::load(&dir.path().join("absent.toml"))
            .unwrap()
            .is_none()
    );
}

#[test]
fn unreadable_path_is_a_read_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = ConfigFile::load(dir.path()).unwrap_err();
    assert!(matches!(err, ConfigError::NotAConfigFile(_)), "{err:?}");
    assert!(
        err.to_string().contains("a directory, not a regular file"),
        "{err}"
    );
}

#[test]
fn syntax_error_has_line_and_column() {
    let err = ConfigFile::parse("[t]\nname = \"x\nport = 1\n", Path::new("config.toml"))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("config.toml:2:"), "{err}");
    assert!(err.contains("invalid TOML"), "{err}");
    let err = ConfigFile::parse("[t]\nname = bare\n", Path::new("config.toml"))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("config.toml:2:8: invalid TOML"), "{err}");
}

#[test]
fn typed_reads_point_at_the_value() {
    let file = parse("[t]\nname = \"é\"\nport = 0 # note\nlist = [1, -2]\nnot_a_string = 3\n");
    let t = file.table("t").unwrap().unwrap();
    assert_eq!(t.name(), "t");
    assert_eq!(t.string("name").unwrap().unwrap().0, "é");
    let err = t
        .int("port", 1, 65535, "pick a port")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "config.toml:3:8: t.port must be an integer 1-65535, got 0; pick a port"
    );
    let err = t.int_list("list").unwrap_err().to_string();
    assert!(
        err.starts_with("config.toml:4:12: t.list must be a list of integers >= 0, got -2"),
        "{err}"
    );
    let err = t.string("not_a_string").unwrap_err().to_string();
    assert!(
        err.starts_with("config.toml:5:16: t.not_a_string must be a string, got an integer"),
        "{err}"
    );
    assert_eq!(t.string("absent").unwrap(), None);
}

#[test]
fn column_counts_characters_not_bytes() {
    let file = parse("t = { name = \"é\", port = 0 }\n");
    let t = file.table("t").unwrap().unwrap();
    let err = t.int("port", 1, 9, "fix").unwrap_err().to_string();
    assert!(err.starts_with("config.toml:1:26:"), "{err}");
}

#[test]
fn missing_keys_point_at_the_table_header() {
    let file = parse("# top\n\n[t]\nother = 1\n");
    let t = file.table("t").unwrap().unwrap();
    let err = t.required_string("name", "x").unwrap_err().to_string();
    assert_eq!(
        err,
        "config.toml:3:1: t.name is missing; add name = \"x\" under [t]"
    );
    assert_eq!(t.unknown_keys(&["name"]), vec!["t.other"]);
}

#[test]
fn tables_must_be_tables() {
    let file = parse("t = 1\n[u]\nsub = \"s\"\n");
    let err = file.table("t").unwrap_err().to_string();
    assert!(
        err.starts_with("config.toml:1:5: t must be a table, got an integer"),
        "{err}"
    );
    let u = file.table("u").unwrap().unwrap();
    let err = u.sub_table("sub", "u.sub").unwrap_err().to_string();
    assert!(
        err.starts_with("config.toml:3:7: u.sub must be a table, got a string"),
        "{err}"
    );
    assert!(u.sub_table("absent", "u.absent").unwrap().is_none());
    assert!(file.table("absent").unwrap().is_none());
}

#[test]
fn full_path_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "[t]\nport = -1\n").unwrap();
    let file = ConfigFile::load(&path).unwrap().unwrap();
    let err = file
        .table("t")
        .unwrap()
        .unwrap()
        .int("port", 0, 9, "fix")
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("{}:2:8: ", path.display())),
        "{err}"
    );
}

#[test]
fn edits_keep_comments_and_unrelated_sections() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let text = "# mine\n[other]\nkeep = true # yes\n\n[t]\nport = 1 # the port\nname = \"a\"\n";
    std::fs::write(&path, text).unwrap();
    let mut e = ConfigEdit::open(&path).unwrap();
    assert_eq!(e.original().text(), text);
    let t = e.table_mut("t");
    edit::set(t, "port", 2.into());
    edit::set(t, "name", "a".into());
    edit::set(t, "new", "n".into());
    e.save().unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "# mine\n[other]\nkeep = true # yes\n\n[t]\nport = 2 # the port\nname = \"a\"\nnew = \"n\"\n"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn edits_create_the_file_and_normalize_inline_tables() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let mut e = ConfigEdit::open(&path).unwrap();
    edit::set(e.table_mut("t"), "k", 1.into());
    assert_eq!(e.text(), "[t]\nk = 1\n");
    assert_eq!(e.reparse().unwrap().text(), "[t]\nk = 1\n");
    e.save().unwrap();
    std::fs::write(&path, "t = { k = 1 }\n").unwrap();
    let mut e = ConfigEdit::open(&path).unwrap();
    edit::set(e.table_mut("t"), "j", 2.into());
    let file = e.reparse().unwrap();
    let t = file.table("t").unwrap().unwrap();
    let item = file.document().as_table().get("t").unwrap();
    assert!(item.is_table(), "a real [t] section: {}", file.text());
    assert_eq!(t.int("k", 0, 9, "").unwrap(), Some(1));
    assert_eq!(t.int("j", 0, 9, "").unwrap(), Some(2));
}

#[test]
fn edit_of_an_unparsable_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "[t\n").unwrap();
    let err = ConfigEdit::open(&path).unwrap_err();
    assert!(
        matches!(err, ConfigError::Invalid { line: 1, .. }),
        "{err:?}"
    );
}

proptest! {
    #[test]
    fn parsing_and_reading_never_panic(text in any::<String>()) {
        if let Ok(file) = ConfigFile::parse(text, Path::new("c.toml"))
            && let Ok(Some(t)) = file.table("t")
        {
            let _ = t.string("a");
            let _ = t.int("a", 0, 10, "fix");
            let _ = t.fraction("a", "fix");
            let _ = t.int_list("a");
        }
    }
}

#[test]
fn a_fifo_where_config_toml_belongs_is_refused_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    crate::fs_read::mkfifo(&path);
    let p = path.clone();
    let err = crate::fs_read::returns("loading a FIFO config", move || ConfigFile::load(&p))
        .expect_err("a FIFO is no config");
    let text = err.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("a FIFO, not a regular file"), "{text}");
}
