//! Questions on the terminal: the question on stderr, the answer from stdin. Without a
//! terminal nothing is asked, and a value with no default is an error naming its flag.

#[cfg(test)]
use std::collections::VecDeque;
use std::io::Write as _;

use anyhow::{anyhow, bail};

/// Where answers come from.
enum Input {
    /// The terminal.
    Stdin,
    /// Lines given up front (tests); `None` once they run out, like end of input.
    #[cfg(test)]
    Script(VecDeque<String>),
}

/// Asks for values a command was not given as flags.
pub(crate) struct Prompter {
    interactive: bool,
    input: Input,
    /// What was asked, when answers are scripted.
    #[cfg(test)]
    asked: Vec<String>,
}

impl Prompter {
    /// Asks on this process' terminal when `interactive`.
    pub(crate) fn terminal(interactive: bool) -> Prompter {
        Prompter {
            interactive,
            input: Input::Stdin,
            #[cfg(test)]
            asked: Vec::new(),
        }
    }

    /// Answers `lines` in order, as a terminal user would type them (tests).
    #[cfg(test)]
    pub(crate) fn scripted(lines: &[&str]) -> Prompter {
        Prompter {
            interactive: true,
            input: Input::Script(lines.iter().map(|&l| format!("{l}\n")).collect()),
            asked: Vec::new(),
        }
    }

    /// Whether questions are asked at all.
    pub(crate) fn is_interactive(&self) -> bool {
        self.interactive
    }

    /// The answer to `question`; an empty answer takes `default`. Without a terminal,
    /// `default`, or an error naming `flag`.
    pub(crate) fn ask(
        &mut self,
        question: &str,
        default: Option<&str>,
        flag: &str,
    ) -> anyhow::Result<String> {
        if !self.interactive {
            return default
                .map(str::to_owned)
                .ok_or_else(|| anyhow!("{flag} is required (no terminal to prompt on)"));
        }
        let shown = default.map(|d| format!(" [{d}]")).unwrap_or_default();
        let Some(line) = self.read(&format!("{question}{shown}: "))? else {
            bail!("aborted: no answer for {flag}");
        };
        match (line.trim(), default) {
            ("", Some(d)) => Ok(d.to_owned()),
            ("", None) => bail!("{flag} is required"),
            (answer, _) => Ok(answer.to_owned()),
        }
    }

    /// A secret typed without echo.
    pub(crate) fn secret(&mut self, question: &str) -> std::io::Result<String> {
        match &mut self.input {
            Input::Stdin => {
                let mut err = std::io::stderr().lock();
                write!(err, "{question}")?;
                err.flush()?;
                drop(err);
                // The terminal's echo is off while the secret is typed, Enter included.
                let secret = rpassword::read_password();
                writeln!(std::io::stderr())?;
                secret
            }
            #[cfg(test)]
            Input::Script(_) => Ok(self
                .read(question)?
                .map(|l| l.trim_end_matches(['\r', '\n']).to_owned())
                .unwrap_or_default()),
        }
    }

    /// Shows `prompt` and reads one line; `None` at end of input.
    fn read(&mut self, prompt: &str) -> std::io::Result<Option<String>> {
        match &mut self.input {
            Input::Stdin => {
                let mut err = std::io::stderr().lock();
                write!(err, "{prompt}")?;
                err.flush()?;
                let mut line = String::new();
                Ok((std::io::stdin().read_line(&mut line)? > 0).then_some(line))
            }
            #[cfg(test)]
            Input::Script(lines) => {
                self.asked.push(prompt.to_owned());
                Ok(lines.pop_front())
            }
        }
    }

    /// The prompts shown so far (scripted answers only).
    #[cfg(test)]
    pub(crate) fn asked(&self) -> &[String] {
        &self.asked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_defaults_and_the_end_of_input() {
        let mut p = Prompter::scripted(&["  prl1pabc  ", "", ""]);
        assert_eq!(
            p.ask("wallet", None, "--wallet").expect("answer"),
            "prl1pabc"
        );
        assert_eq!(
            p.ask("user", Some("rpcuser"), "--pearld-user")
                .expect("default"),
            "rpcuser"
        );
        let empty = p.ask("url", None, "--pearld-url").unwrap_err();
        assert_eq!(empty.to_string(), "--pearld-url is required");
        let eof = p
            .ask("env", Some("X"), "--pearld-password-env")
            .unwrap_err();
        assert_eq!(
            eof.to_string(),
            "aborted: no answer for --pearld-password-env"
        );
        assert_eq!(
            p.asked(),
            ["wallet: ", "user [rpcuser]: ", "url: ", "env [X]: "]
        );
    }

    #[test]
    fn without_a_terminal_only_defaults_answer() {
        let mut p = Prompter::terminal(false);
        assert!(!p.is_interactive());
        assert_eq!(p.ask("user", Some("u"), "--user").expect("default"), "u");
        let err = p.ask("wallet", None, "--wallet").unwrap_err();
        assert_eq!(
            err.to_string(),
            "--wallet is required (no terminal to prompt on)"
        );
    }

    #[test]
    fn scripted_secrets_lose_their_line_end() {
        let mut p = Prompter::scripted(&["s3cr3t"]);
        assert_eq!(p.secret("password: ").expect("secret"), "s3cr3t");
        assert_eq!(p.secret("again: ").expect("end of input"), "");
    }
}
