use jarvis_core::redact;
use jarvis_core::redact::MARKER;
use proptest::prelude::*;

#[test]
fn spec_conformance_three_password_forms() {
    let log = "gateway start rpc_password: secret123 ok\n\
               env PEARLD_RPC_PASSWORD=secret123 set\n\
               cfg {\"PEARLD_RPC_PASSWORD\": \"secret123\"}\n";
    for secrets in [&[][..], &["secret123"][..]] {
        let out = redact(log, secrets);
        assert!(!out.contains("secret123"), "{out}");
        assert_eq!(out.matches(MARKER).count(), 3, "{out}");
        assert!(out.contains("rpc_password: [REDACTED] ok"), "{out}");
        assert!(out.contains("PEARLD_RPC_PASSWORD=[REDACTED] set"), "{out}");
        assert!(
            out.contains("{\"PEARLD_RPC_PASSWORD\": \"[REDACTED]\"}"),
            "{out}"
        );
    }
}

#[test]
fn literal_secrets_are_replaced_everywhere() {
    let out = redact("a hunter22 b hunter22hunter22 c", &["hunter22", "", "abc"]);
    assert_eq!(out, "a [REDACTED] b [REDACTED] c");
    // Too short to redact safely: left alone.
    assert_eq!(redact("abc def", &["abc"]), "abc def");
}

#[test]
fn case_insensitive_rpc_password() {
    assert_eq!(
        redact("RPC_Password:\tp4ss more", &[]),
        "RPC_Password:\t[REDACTED] more"
    );
    assert_eq!(
        redact("pearld_rpc_password=xyz", &[]),
        "pearld_rpc_password=[REDACTED]"
    );
}

#[test]
fn pearld_flags_and_colon_forms() {
    assert_eq!(
        redact("pearld --rpcuser=u --rpcpass=s3cr3t --notls", &[]),
        "pearld --rpcuser=u --rpcpass=[REDACTED] --notls"
    );
    assert_eq!(redact("rpcpassword=abc", &[]), "rpcpassword=[REDACTED]");
    assert_eq!(
        redact("HF_TOKEN: tok tail", &[]),
        "HF_TOKEN: [REDACTED] tail"
    );
    assert_eq!(redact("rpcuser=alice", &[]), "rpcuser=alice");
}

#[test]
fn hf_tokens_in_all_shapes() {
    let token = "hf_AbCdEfGhIjKlMnOpQrStUv12";
    assert_eq!(
        redact(&format!("HF_TOKEN={token} next"), &[]),
        "HF_TOKEN=[REDACTED] next"
    );
    assert_eq!(
        redact(&format!("{{\"HF_TOKEN\": \"{token}\"}}"), &[]),
        "{\"HF_TOKEN\": \"[REDACTED]\"}"
    );
    assert_eq!(redact(&format!("using {token}."), &[]), "using [REDACTED].");
    assert_eq!(redact("HF_TOKEN=short", &[]), "HF_TOKEN=[REDACTED]");
    // Too short to be an HF token on its own.
    assert_eq!(redact("hf_abc is a prefix", &[]), "hf_abc is a prefix");
}

#[test]
fn bearer_and_authorization_headers() {
    assert_eq!(
        redact("Authorization: Bearer tok.en-123 trailing", &[]),
        "Authorization: Bearer [REDACTED] trailing"
    );
    assert_eq!(redact("bearer   abc", &[]), "bearer   [REDACTED]");
    assert_eq!(
        redact("authorization: Basic dXNlcjpwYXNz", &[]),
        "authorization: Basic [REDACTED]"
    );
    assert_eq!(
        redact("{\"Authorization\": \"Bearer xyz\"}", &[]),
        "{\"Authorization\": \"Bearer [REDACTED]\"}"
    );
    // Inside another word it is not a credential.
    assert_eq!(redact("forbearer x", &[]), "forbearer x");
}

#[test]
fn url_userinfo_password() {
    assert_eq!(
        redact("GET http://user:pa55@host:44107/path", &[]),
        "GET http://[REDACTED]@host:44107/path"
    );
    assert_eq!(redact("https://user@host/", &[]), "https://user@host/");
    assert_eq!(redact("http://host:8080/x", &[]), "http://host:8080/x");
}

#[test]
fn basic_credentials_without_their_header_are_hidden() {
    // base64("pearl:s3cretpass")
    let basic = "cGVhcmw6czNjcmV0cGFzcw==";
    assert_eq!(
        redact(&format!("sending Basic {basic} to pearld"), &[]),
        "sending Basic [REDACTED] to pearld"
    );
    // "Basic" as a word is not a credential.
    assert_eq!(
        redact("basic authentication failed", &[]),
        "basic authentication failed"
    );
}

#[test]
fn base64_forms_of_a_known_secret_are_hidden() {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    let password = "s3cret~pass?";
    for encoded in [
        STANDARD.encode(format!("pearl:{password}")),
        URL_SAFE_NO_PAD.encode(format!("pearl:{password}")),
        STANDARD.encode(password),
    ] {
        let line = format!("auth={encoded} failed");
        let out = redact(&line, &[password]);
        assert_eq!(out, "auth=[REDACTED] failed", "{line}");
    }
    // Base64 of something else stays.
    let other = STANDARD.encode("pearl:another");
    assert_eq!(redact(&other, &[password]), other);
}

#[test]
fn json_escapes_and_unterminated_values() {
    assert_eq!(
        redact(r#"{"PEARLD_RPC_PASSWORD": "a\"b c"}"#, &[]),
        r#"{"PEARLD_RPC_PASSWORD": "[REDACTED]"}"#
    );
    assert_eq!(
        redact("\"HF_TOKEN\":\"unterminated\nnext", &[]),
        "\"HF_TOKEN\":\"[REDACTED]\nnext"
    );
}

#[test]
fn text_without_secrets_is_unchanged() {
    let text = "block 42 accepted; hashrate 1.2 GH/s; ünïcödé ok";
    assert_eq!(redact(text, &["not-there"]), text);
}

proptest! {
    #[test]
    fn never_panics(text in any::<String>(), secret in any::<String>()) {
        let _ = redact(&text, &[&secret]);
    }

    #[test]
    fn output_never_contains_a_secret(
        prefix in any::<String>(),
        suffix in any::<String>(),
        secret in "[a-z0-9]{4,16}",
        copies in 1usize..4,
    ) {
        let text = format!("{prefix}{}{suffix}", secret.repeat(copies));
        let out = redact(&text, &[&secret]);
        prop_assert!(!out.contains(&secret), "{out:?}");
    }

    /// Inside a JSON string a secret with `"`, `\` or a tab is written escaped; neither
    /// form survives. (Lowercase secrets: none can be a piece of the uppercase marker.)
    #[test]
    fn a_json_line_never_shows_a_secret_escaped(
        prefix in "[ -~]{0,12}",
        suffix in "[ -~]{0,12}",
        secret in r#"[a-z0-9"\\\t]{4,16}"#,
    ) {
        let line = serde_json::json!({ "message": format!("{prefix}{secret}{suffix}") })
            .to_string();
        let out = redact(&line, &[&secret]);
        let escaped = serde_json::to_string(&secret).expect("a string serializes");
        prop_assert!(!out.contains(&escaped[1..escaped.len() - 1]), "{out:?}");
        prop_assert!(!out.contains(&secret), "{out:?}");
    }

    #[test]
    fn pattern_values_are_hidden(value in "[!-~&&[^\"]]{1,24}") {
        for text in [
            format!("rpc_password: {value}"),
            format!("PEARLD_RPC_PASSWORD={value}"),
            format!("HF_TOKEN={value}"),
            format!("Authorization: Bearer {value}"),
            format!("Authorization: {value}"),
        ] {
            let out = redact(&text, &[]);
            prop_assert!(out.ends_with(MARKER), "{text:?} -> {out:?}");
        }
    }
}

/// A coloured line (loguru's) loses its escapes before redaction: what is written or shown is
/// the text, and a colour code inside a credential does not hide it from the patterns.
#[test]
fn log_lines_lose_their_escapes_and_their_secrets() {
    let line = "\x1b[32m2026-12-03 12:00:01\x1b[0m - \x1b[1mINFO\x1b[0m - \x1b[37mAuthorization: \x1b[1mBasic\x1b[0m dXNlcjpodW50ZXIy\x1b[0m - \x1b[34mpearl_client.py:90\x1b[0m";
    assert_eq!(
        jarvis_core::redact::redact_log_line(line, &["hunter2"]),
        format!("2026-12-03 12:00:01 - INFO - Authorization: Basic {MARKER} - pearl_client.py:90")
    );
}

/// A secret holding characters JSON escapes is hidden in a JSON line's escaped form too,
/// under any key (the named-key rule does not apply to `message`).
#[test]
fn json_escaped_forms_of_a_known_secret_are_hidden() {
    for secret in ["pa\"ss\\wo\"rd", "tab\there", "line\nbreak", "quote\"only"] {
        let line =
            serde_json::json!({ "message": format!("dial failed with {secret} now") }).to_string();
        let out = redact(&line, &[secret]);
        let escaped = serde_json::to_string(secret).expect("a string serializes");
        assert!(
            !out.contains(&escaped[1..escaped.len() - 1]),
            "{secret:?} escaped still in {out}"
        );
        assert!(out.contains("dial failed with [REDACTED] now"), "{out}");
        // And the decoded line shows no secret either.
        let decoded: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
        assert!(!decoded["message"].as_str().unwrap_or("").contains(secret));
    }
    // A secret JSON leaves alone is matched once, not twice.
    assert_eq!(
        redact("x plainsecret y", &["plainsecret"]),
        "x [REDACTED] y"
    );
}
