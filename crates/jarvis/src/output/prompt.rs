//! Questions on the terminal: the question on stderr, the answer from stdin. Without a
//! terminal nothing is asked, and a value with no default is an error naming its flag.
//! [`Prompter::ask_valid`] checks each answer and asks again, saying why, until one is valid.

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

    /// The answer to `question` that `check` accepts, converted by it; an empty answer takes
    /// `default`. An answer `check` refuses is answered with its reason and asked again; the
    /// end of input aborts. Without a terminal, `default` must pass `check`, else the error
    /// names `flag`.
    pub(crate) fn ask_valid<T>(
        &mut self,
        question: &str,
        default: Option<&str>,
        flag: &str,
        check: impl Fn(&str) -> Result<T, String>,
    ) -> anyhow::Result<T> {
        if !self.interactive {
            let value = self.ask(question, default, flag)?;
            return check(&value).map_err(|reason| anyhow!("{flag}: {reason}"));
        }
        let shown = default.map(|d| format!(" [{d}]")).unwrap_or_default();
        loop {
            let Some(line) = self.read(&format!("{question}{shown}: "))? else {
                bail!("aborted: no answer for {flag}");
            };
            let answer = match (line.trim(), default) {
                ("", Some(d)) => d,
                ("", None) => {
                    self.say("  an answer is needed here; try again")?;
                    continue;
                }
                (answer, _) => answer,
            };
            match check(answer) {
                Ok(value) => return Ok(value),
                Err(reason) => self.say(&format!("  {reason}; try again"))?,
            }
        }
    }

    /// One of `choices` (`default` on an empty answer), asked again until it is one of them.
    pub(crate) fn choose(
        &mut self,
        question: &str,
        choices: &[&str],
        default: &str,
        flag: &str,
    ) -> anyhow::Result<String> {
        let listed = choices.join(", ");
        self.ask_valid(
            &format!("{question} ({listed})"),
            Some(default),
            flag,
            |answer| {
                choices
                    .iter()
                    .find(|c| c.eq_ignore_ascii_case(answer))
                    .map(|c| (*c).to_owned())
                    .ok_or_else(|| format!("'{answer}' is not one of {listed}"))
            },
        )
    }

    /// A line for the person answering (why an answer was refused).
    fn say(&mut self, text: &str) -> std::io::Result<()> {
        match &mut self.input {
            Input::Stdin => {
                let mut err = std::io::stderr().lock();
                writeln!(err, "{text}")?;
                err.flush()
            }
            #[cfg(test)]
            Input::Script(_) => {
                self.asked.push(format!("{text}\n"));
                Ok(())
            }
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
    fn invalid_answers_are_refused_with_the_reason_and_asked_again() {
        let number = |a: &str| {
            a.parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("'{a}' is not a number of threads (1 or more)"))
        };
        let mut p = Prompter::scripted(&["zero", "", "0", "4", "Testnet", "moon", ""]);
        assert_eq!(
            p.ask_valid("threads", None, "--threads", number)
                .expect("4"),
            4
        );
        assert_eq!(
            p.choose("network", &["mainnet", "testnet"], "mainnet", "--network")
                .expect("choice"),
            "testnet",
            "choices match without case"
        );
        assert_eq!(
            p.choose("network", &["mainnet", "testnet"], "mainnet", "--network")
                .expect("default after a wrong choice"),
            "mainnet"
        );
        assert_eq!(
            p.asked(),
            [
                "threads: ",
                "  'zero' is not a number of threads (1 or more); try again\n",
                "threads: ",
                "  an answer is needed here; try again\n",
                "threads: ",
                "  '0' is not a number of threads (1 or more); try again\n",
                "threads: ",
                "network (mainnet, testnet) [mainnet]: ",
                "network (mainnet, testnet) [mainnet]: ",
                "  'moon' is not one of mainnet, testnet; try again\n",
                "network (mainnet, testnet) [mainnet]: ",
            ]
        );
        let eof = p
            .ask_valid("threads", None, "--threads", number)
            .unwrap_err();
        assert_eq!(eof.to_string(), "aborted: no answer for --threads");
    }

    #[test]
    fn without_a_terminal_the_default_is_checked_once() {
        let mut p = Prompter::terminal(false);
        let err = p
            .ask_valid("url", Some("ftp://x"), "--pearld-url", |a: &str| {
                if a.starts_with("http") {
                    Ok(a.to_owned())
                } else {
                    Err(format!("'{a}' must start with http://"))
                }
            })
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "--pearld-url: 'ftp://x' must start with http://"
        );
    }

    #[test]
    fn scripted_secrets_lose_their_line_end() {
        let mut p = Prompter::scripted(&["s3cr3t"]);
        assert_eq!(p.secret("password: ").expect("secret"), "s3cr3t");
        assert_eq!(p.secret("again: ").expect("end of input"), "");
    }
}
