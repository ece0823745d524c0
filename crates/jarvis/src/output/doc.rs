//! A human-readable document: headings, wrapped lines, key-value blocks, check rows and tables,
//! rendered to a width with textwrap and comfy-table. Views build a [`Doc`]; the printer writes
//! it (or JSON instead).

use comfy_table::{CellAlignment, ContentArrangement, presets};

use super::style::{self, Mark};

/// Width of the name column of check rows.
const NAME_WIDTH: usize = 22;
/// Width of the verdict column of check rows.
const MARK_WIDTH: usize = 5;
/// Check rows and named rows start here.
const ROW_INDENT: usize = 2;

/// A document built by a view.
#[derive(Debug, Default, Clone)]
pub(crate) struct Doc {
    blocks: Vec<Block>,
}

#[derive(Debug, Clone)]
enum Block {
    Heading(String),
    Text { indent: usize, text: String },
    Verbatim(String),
    Blank,
    Pairs(Pairs),
    Check(Check),
    Named { name: String, text: String },
    Table(Table),
}

#[derive(Debug, Clone)]
struct Check {
    name: String,
    mark: Mark,
    info: String,
    fix: Option<String>,
}

impl Doc {
    /// An empty document.
    pub(crate) fn new() -> Doc {
        Doc::default()
    }

    /// A bold title line.
    pub(crate) fn heading(&mut self, text: impl Into<String>) -> &mut Doc {
        self.blocks.push(Block::Heading(text.into()));
        self
    }

    /// A paragraph wrapped to the width.
    pub(crate) fn line(&mut self, text: impl Into<String>) -> &mut Doc {
        self.indented(0, text)
    }

    /// A paragraph wrapped to the width, every line indented by `indent`.
    pub(crate) fn indented(&mut self, indent: usize, text: impl Into<String>) -> &mut Doc {
        self.blocks.push(Block::Text {
            indent,
            text: text.into(),
        });
        self
    }

    /// Text printed exactly as given (a unit file, a tool's output).
    pub(crate) fn verbatim(&mut self, text: impl Into<String>) -> &mut Doc {
        self.blocks.push(Block::Verbatim(text.into()));
        self
    }

    /// An empty line.
    pub(crate) fn blank(&mut self) -> &mut Doc {
        self.blocks.push(Block::Blank);
        self
    }

    /// A block of `label: value` rows with the values aligned.
    pub(crate) fn pairs(&mut self, pairs: Pairs) -> &mut Doc {
        self.blocks.push(Block::Pairs(pairs));
        self
    }

    /// A check row: `  name  MARK  info`, the info wrapped under itself, then `fix: ...`.
    pub(crate) fn check(
        &mut self,
        name: impl Into<String>,
        mark: Mark,
        info: impl Into<String>,
        fix: Option<&str>,
    ) -> &mut Doc {
        self.blocks.push(Block::Check(Check {
            name: name.into(),
            mark,
            info: info.into(),
            fix: fix.map(str::to_owned),
        }));
        self
    }

    /// A row in the check rows' name column without a verdict: `  name  text`.
    pub(crate) fn named(&mut self, name: impl Into<String>, text: impl Into<String>) -> &mut Doc {
        self.blocks.push(Block::Named {
            name: name.into(),
            text: text.into(),
        });
        self
    }

    /// A table.
    pub(crate) fn table(&mut self, table: Table) -> &mut Doc {
        self.blocks.push(Block::Table(table));
        self
    }

    /// The text, lines ending in `\n`, styles included (the stream strips them without colour).
    pub(crate) fn render(&self, width: usize) -> String {
        let width = width.max(40);
        let mut out = String::new();
        let mut push = |line: &str| {
            out.push_str(line.trim_end());
            out.push('\n');
        };
        for block in &self.blocks {
            match block {
                Block::Heading(text) => push(&style::paint(style::HEADING, text)),
                Block::Text { indent, text } => {
                    for l in wrap(text, width.saturating_sub(*indent)) {
                        push(&format!("{:indent$}{l}", ""));
                    }
                }
                Block::Verbatim(text) => text.lines().for_each(&mut push),
                Block::Blank => push(""),
                Block::Pairs(pairs) => pairs.render(width).iter().for_each(|l| push(l)),
                Block::Check(check) => check.render(width).iter().for_each(|l| push(l)),
                Block::Named { name, text } => {
                    let indent = ROW_INDENT + NAME_WIDTH + 1;
                    for (i, l) in wrap(text, width - indent).iter().enumerate() {
                        let lead = if i == 0 { name.as_str() } else { "" };
                        push(&format!("{:ROW_INDENT$}{lead:<NAME_WIDTH$} {l}", ""));
                    }
                }
                Block::Table(table) => table.render(width).iter().for_each(|l| push(l)),
            }
        }
        out
    }

    /// The text without styles, as a pipe or a file gets it.
    #[cfg(test)]
    pub(crate) fn plain(&self, width: usize) -> String {
        anstream::adapter::strip_str(&self.render(width)).to_string()
    }
}

impl Check {
    fn render(&self, width: usize) -> Vec<String> {
        let indent = ROW_INDENT + NAME_WIDTH + 1 + MARK_WIDTH + 1;
        let marker = self.mark.text();
        let pad = " ".repeat(MARK_WIDTH.saturating_sub(marker.chars().count()));
        let marker = format!("{}{pad}", style::paint(self.mark.style(), marker));
        let mut lines = Vec::new();
        for (i, chunk) in wrap(&self.info, width - indent).iter().enumerate() {
            if i == 0 {
                lines.push(format!(
                    "{:ROW_INDENT$}{:<NAME_WIDTH$} {marker} {chunk}",
                    "", self.name
                ));
            } else {
                lines.push(format!("{:indent$}{chunk}", ""));
            }
        }
        if lines.is_empty() {
            lines.push(format!(
                "{:ROW_INDENT$}{:<NAME_WIDTH$} {marker}",
                "", self.name
            ));
        }
        if let Some(fix) = &self.fix {
            for (i, chunk) in wrap(fix, width - indent - 5).iter().enumerate() {
                let lead = if i == 0 { "fix: " } else { "     " };
                lines.push(format!("{:indent$}{lead}{chunk}", ""));
            }
        }
        lines
    }
}

/// `label: value` rows whose values start in one column.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pairs {
    indent: usize,
    min_column: usize,
    rows: Vec<(String, String)>,
}

impl Pairs {
    /// Rows indented by `indent`.
    pub(crate) fn new(indent: usize) -> Pairs {
        Pairs {
            indent,
            ..Pairs::default()
        }
    }

    /// Values start at least `column` characters after the indent.
    pub(crate) fn min_column(mut self, column: usize) -> Pairs {
        self.min_column = column;
        self
    }

    /// Adds a row.
    pub(crate) fn row(mut self, label: impl Into<String>, value: impl Into<String>) -> Pairs {
        self.push(label, value);
        self
    }

    /// Adds a row in place.
    pub(crate) fn push(&mut self, label: impl Into<String>, value: impl Into<String>) {
        self.rows.push((label.into(), value.into()));
    }

    fn render(&self, width: usize) -> Vec<String> {
        let column = self
            .rows
            .iter()
            .map(|(label, _)| label.chars().count() + 2)
            .max()
            .unwrap_or(0)
            .max(self.min_column);
        let value_width = width.saturating_sub(self.indent + column);
        let mut lines = Vec::new();
        for (label, value) in &self.rows {
            let label = format!("{label}:");
            let chunks = wrap(value, value_width);
            for (i, chunk) in chunks.iter().enumerate() {
                let lead = if i == 0 { label.as_str() } else { "" };
                lines.push(format!(
                    "{:indent$}{lead:<column$}{chunk}",
                    "",
                    indent = self.indent
                ));
            }
            if chunks.is_empty() {
                lines.push(format!("{:indent$}{label}", "", indent = self.indent));
            }
        }
        lines
    }
}

/// A table of plain cells, columns aligned, the last one wrapped to the width.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    indent: usize,
    header: Vec<String>,
    right: Vec<usize>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table indented by `indent` with these column titles.
    pub(crate) fn new(indent: usize, header: &[&str]) -> Table {
        Table {
            indent,
            header: header.iter().map(|&h| h.to_owned()).collect(),
            right: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// Right-aligns the numeric columns `columns`.
    pub(crate) fn right(mut self, columns: &[usize]) -> Table {
        self.right = columns.to_vec();
        self
    }

    /// Adds a row.
    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn render(&self, width: usize) -> Vec<String> {
        let mut table = comfy_table::Table::new();
        table
            .load_style(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(u16::try_from(width.saturating_sub(self.indent)).unwrap_or(u16::MAX))
            .set_header(&self.header);
        for row in &self.rows {
            table.add_row(row);
        }
        let columns = self.header.len();
        for (i, column) in table.column_iter_mut().enumerate() {
            column.set_padding((0, if i + 1 == columns { 0 } else { 2 }));
            if self.right.contains(&i) {
                column.set_cell_alignment(CellAlignment::Right);
            }
        }
        table
            .lines()
            .enumerate()
            .map(|(i, line)| {
                let line = line.trim_end();
                let line = if i == 0 {
                    style::paint(style::DIM, line)
                } else {
                    line.to_owned()
                };
                format!("{:indent$}{line}", "", indent = self.indent)
            })
            .collect()
    }
}

/// Splits `text` into lines of at most `width` columns at spaces, breaking longer words;
/// keeps the text's own line breaks.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    // Never split at hyphens: paths, URLs and model ids must stay whole where they fit.
    let options = textwrap::Options::new(width.max(10))
        .break_words(true)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    let mut lines: Vec<String> = textwrap::wrap(text, options)
        .into_iter()
        .map(|l| l.into_owned())
        .collect();
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_lines_within_width_and_every_word() {
        let text = "a fairly long sentence that must wrap somewhere sensible without losing words";
        let lines = wrap(text, 20);
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert_eq!(lines.join(" "), text);
        assert_eq!(
            wrap("abcdefghijklmnopqrstuvwxyz", 10),
            ["abcdefghij", "klmnopqrst", "uvwxyz"]
        );
        assert_eq!(wrap("one\ntwo", 40), ["one", "two"]);
        assert_eq!(
            wrap("at https://huggingface.co/pearl-ai/Llama-3.3", 30),
            ["at", "https://huggingface.co/pearl-a", "i/Llama-3.3"],
            "a word longer than the line breaks at the width, not at its hyphen"
        );
        assert_eq!(
            wrap("accessible at https://hf.co/pearl-ai/x", 30),
            ["accessible at", "https://hf.co/pearl-ai/x"]
        );
        assert!(wrap("", 40).is_empty());
    }

    #[test]
    fn pairs_align_values_and_wrap_under_themselves() {
        let mut doc = Doc::new();
        doc.pairs(
            Pairs::new(2)
                .row("shape", "m=1 n=2")
                .row("a longer label", "x ".repeat(40).trim_end())
                .row("empty", ""),
        );
        let text = doc.plain(50);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "  shape:          m=1 n=2");
        assert!(lines[1].starts_with("  a longer label: x x"), "{text}");
        assert!(lines[2].starts_with("                  x"), "{text}");
        assert!(text.lines().all(|l| l.chars().count() <= 50), "{text}");
        assert_eq!(lines.last(), Some(&"  empty:"));
    }

    #[test]
    fn check_rows_keep_their_columns_and_fix_line() {
        let mut doc = Doc::new();
        doc.check(
            "docker",
            Mark::Fail,
            "daemon not reachable",
            Some("start it"),
        )
        .check("memory", Mark::Info, "", None);
        assert_eq!(
            doc.plain(100),
            "  docker                 FAIL  daemon not reachable\n\
             \x20                              fix: start it\n\
             \x20 memory\n"
        );
        // The marker is styled, and the styled text still lines up once stripped.
        assert!(doc.render(100).contains('\x1b'));
    }

    #[test]
    fn tables_align_columns_within_the_width() {
        let mut table = Table::new(2, &["from (UTC)", "hashrate", "proofs"]).right(&[1, 2]);
        table.row(vec![
            "2024-05-05 00:05".into(),
            "1.0 kMAC/s".into(),
            "3".into(),
        ]);
        table.row(vec![
            "2024-05-05 01:05".into(),
            "unknown".into(),
            "12".into(),
        ]);
        let mut doc = Doc::new();
        doc.table(table);
        assert_eq!(
            doc.plain(100),
            "  from (UTC)          hashrate  proofs\n\
             \x20 2024-05-05 00:05  1.0 kMAC/s       3\n\
             \x20 2024-05-05 01:05     unknown      12\n"
        );
    }
}
