//! Every `jarvis ...` command in docs/nvidia-validation.md and docs/model-enablement.md exists:
//! each subcommand is listed by its parent's `--help` and each flag appears in the subcommand's
//! `--help` output of the built binary.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

use crate::common::bin;

const DOCS: &[&str] = &["nvidia-validation.md", "model-enablement.md"];

fn docs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs")
}

/// Shell-ish words: whitespace-separated, single and double quotes grouped.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => current.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            None => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(current);
    }
    out
}

/// `jarvis` invocations in a line: after `$ `, env assignments, `&&`, `;` or `|`, up to a
/// redirection or the next operator.
fn invocations(line: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut current: Option<Vec<String>> = None;
    let mut at_start = true;
    for word in words(line.trim().trim_start_matches("$ ")) {
        if ["&&", "||", ";", "|"].contains(&word.as_str()) {
            found.extend(current.take());
            at_start = true;
            continue;
        }
        if word.starts_with('>') || word.starts_with("2>") {
            found.extend(current.take());
            at_start = false;
            continue;
        }
        match &mut current {
            Some(cmd) => cmd.push(word),
            None if at_start && word == "jarvis" => current = Some(Vec::new()),
            None if at_start && word.contains('=') && !word.starts_with('-') => {}
            None => at_start = false,
        }
    }
    found.extend(current);
    found
}

/// Command lines from fenced blocks and `jarvis ...` inline code spans.
fn doc_commands(text: &str) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    let mut fenced = false;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            out.extend(invocations(trimmed).into_iter().map(|c| (n + 1, c)));
            continue;
        }
        for (i, span) in line.split('`').enumerate() {
            if i % 2 == 1 && span.starts_with("jarvis ") {
                out.extend(invocations(span).into_iter().map(|c| (n + 1, c)));
            }
        }
    }
    out
}

struct Help {
    cache: HashMap<Vec<String>, String>,
}

impl Help {
    fn of(&mut self, path: &[String]) -> &str {
        self.cache.entry(path.to_vec()).or_insert_with(|| {
            let out = Command::new(bin())
                .args(path)
                .arg("--help")
                .env("NO_COLOR", "1")
                .output()
                .expect("run jarvis --help");
            assert!(
                out.status.success(),
                "`jarvis {} --help` failed",
                path.join(" ")
            );
            String::from_utf8_lossy(&out.stdout).into_owned()
        })
    }
}

/// Subcommand names listed under `Commands:`.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

fn mentions_flag(help: &str, flag: &str) -> bool {
    help.match_indices(flag).any(|(i, _)| {
        let before_ok = i == 0
            || help[..i]
                .chars()
                .last()
                .is_some_and(|c| c.is_whitespace() || c == ',' || c == '[');
        let after = help[i + flag.len()..].chars().next();
        before_ok && after.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '-'))
    })
}

fn check(help: &mut Help, line: usize, doc: &str, args: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut rest = args.iter().peekable();
    // Walk subcommands while the next word is one.
    while let Some(word) = rest.peek() {
        let subs = subcommands(help.of(&path));
        if subs.is_empty() || word.starts_with('-') {
            break;
        }
        if !subs.contains(word) {
            problems.push(format!(
                "{doc}:{line}: `jarvis {}` has no subcommand '{word}' (has: {})",
                path.join(" "),
                subs.join(", ")
            ));
            return problems;
        }
        path.push((*word).clone());
        rest.next();
    }
    let text = help.of(&path).to_owned();
    // Pass-through commands (pearl node/wallet/ctl) hand their arguments to another program.
    if text.contains("[ARGS]...") {
        return problems;
    }
    for word in rest.filter(|w| w.starts_with('-') && *w != "-") {
        let flag = word.split('=').next().unwrap_or(word);
        if !mentions_flag(&text, flag) {
            problems.push(format!(
                "{doc}:{line}: `jarvis {}` has no flag {flag}",
                path.join(" ")
            ));
        }
    }
    problems
}

#[test]
fn extraction_finds_commands_in_blocks_and_spans() {
    let text = "x `jarvis mine models` y\n```sh\n$ HF_TOKEN=x jarvis a --b 'c d' > out && jarvis e\n\
                ls | jarvis f\nnvidia-smi -q > x\n```\n";
    let found: Vec<Vec<String>> = doc_commands(text).into_iter().map(|(_, c)| c).collect();
    assert_eq!(
        found,
        vec![
            vec!["mine".to_owned(), "models".to_owned()],
            vec!["a".to_owned(), "--b".to_owned(), "c d".to_owned()],
            vec!["e".to_owned()],
            vec!["f".to_owned()],
        ]
    );
    assert!(mentions_flag("  --json  Print", "--json"));
    assert!(!mentions_flag("  --json-lines  Print", "--json"));
}

#[test]
fn every_documented_command_and_flag_exists() {
    let mut help = Help {
        cache: HashMap::new(),
    };
    let mut problems = Vec::new();
    let mut checked = 0;
    for doc in DOCS {
        let path = docs_dir().join(doc);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        for (line, args) in doc_commands(&text) {
            checked += 1;
            problems.extend(check(&mut help, line, doc, &args));
        }
    }
    assert!(
        checked >= 30,
        "only {checked} commands found: extraction broke"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_checker_catches_a_wrong_flag_and_subcommand() {
    let mut help = Help {
        cache: HashMap::new(),
    };
    let args = |s: &str| words(s);
    assert!(check(&mut help, 1, "t", &args("mine doctor --json")).is_empty());
    assert_eq!(
        check(&mut help, 1, "t", &args("mine doctor --jsn")).len(),
        1
    );
    assert_eq!(check(&mut help, 1, "t", &args("mine frobnicate")).len(), 1);
    assert!(
        check(
            &mut help,
            1,
            "t",
            &args("pearl ctl getblockchaininfo --anything")
        )
        .is_empty()
    );
}
