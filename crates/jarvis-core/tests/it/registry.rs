use jarvis_core::{Registry, RegistryError};

#[test]
fn keeps_insertion_order_and_rejects_duplicates() {
    let mut r: Registry<u32> = Registry::new("MinerRegistry");
    assert!(r.is_empty());
    r.register("vllm-pearl", 1).unwrap();
    r.register("cpu-pearl", 2).unwrap();
    r.register("apple-mps-pearl", 3).unwrap();
    assert_eq!(r.keys(), ["vllm-pearl", "cpu-pearl", "apple-mps-pearl"]);
    assert_eq!(
        r.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>(),
        ["vllm-pearl=1", "cpu-pearl=2", "apple-mps-pearl=3"]
    );
    assert_eq!(r.len(), 3);
    assert!(r.contains("cpu-pearl"));
    assert_eq!(r.get("cpu-pearl"), Some(&2));
    assert_eq!(r.get("nope"), None);

    let dup = r.register("cpu-pearl", 9).unwrap_err();
    assert!(matches!(dup, RegistryError::Duplicate { .. }));
    assert_eq!(
        dup.to_string(),
        "MinerRegistry already has an entry for 'cpu-pearl'"
    );
    assert_eq!(r.get("cpu-pearl"), Some(&2), "duplicate must not overwrite");
}

#[test]
fn require_lists_known_keys() {
    let mut r: Registry<&str> = Registry::new("MinerRegistry");
    r.register("a", "x").unwrap();
    r.register("b", "y").unwrap();
    assert_eq!(r.require("b"), Ok(&"y"));
    assert_eq!(
        r.require("zzz").unwrap_err().to_string(),
        "MinerRegistry does not have an entry for 'zzz'; known: a, b"
    );
}

#[test]
fn register_if_absent_is_idempotent_and_clear_empties() {
    let mut r: Registry<String> = Registry::new("EngineRegistry");
    assert!(r.register_if_absent("vllm", || "first".to_string()));
    assert!(!r.register_if_absent("vllm", || "second".to_string()));
    assert_eq!(r.get("vllm").map(String::as_str), Some("first"));
    assert_eq!(r.kind(), "EngineRegistry");
    r.clear();
    assert!(r.is_empty());
    assert_eq!(r.len(), 0);
    assert!(r.keys().is_empty());
}
