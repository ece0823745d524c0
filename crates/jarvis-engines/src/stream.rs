//! Incremental decoders for streamed replies: Server-Sent Events (OpenAI) and NDJSON (Ollama).
//! Both accept arbitrary byte splits and cap how much they buffer.

/// Longest line either decoder buffers (a hostile server cannot grow memory without bound).
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// A line longer than [`MAX_LINE_BYTES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a streamed line exceeds {MAX_LINE_BYTES} bytes")]
pub struct LineTooLong;

/// Splits bytes into lines (`\n`, `\r\n` or `\r` endings), across feeds.
#[derive(Debug, Default)]
struct Lines {
    buf: Vec<u8>,
    after_cr: bool,
}

impl Lines {
    fn feed(&mut self, bytes: &[u8], out: &mut Vec<String>) -> Result<(), LineTooLong> {
        for &b in bytes {
            if self.after_cr && b == b'\n' {
                self.after_cr = false;
                continue;
            }
            self.after_cr = b == b'\r';
            if b == b'\n' || b == b'\r' {
                out.push(String::from_utf8_lossy(&self.buf).into_owned());
                self.buf.clear();
            } else {
                if self.buf.len() >= MAX_LINE_BYTES {
                    return Err(LineTooLong);
                }
                self.buf.push(b);
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> Option<String> {
        (!self.buf.is_empty())
            .then(|| String::from_utf8_lossy(&std::mem::take(&mut self.buf)).into_owned())
    }
}

/// Decodes `text/event-stream` into the `data` payload of each event.
#[derive(Debug, Default)]
pub struct SseDecoder {
    lines: Lines,
    data: Vec<String>,
}

impl SseDecoder {
    /// A fresh decoder.
    pub fn new() -> SseDecoder {
        SseDecoder::default()
    }

    /// Feeds bytes; returns the data of every event completed by them.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<String>, LineTooLong> {
        let mut lines = Vec::new();
        self.lines.feed(bytes, &mut lines)?;
        let mut events = Vec::new();
        for line in lines {
            self.line(line, &mut events)?;
        }
        Ok(events)
    }

    /// Ends the stream; returns a final event not followed by a blank line.
    pub fn finish(&mut self) -> Vec<String> {
        let mut events = Vec::new();
        if let Some(line) = self.lines.finish() {
            let _ = self.line(line, &mut events);
        }
        if !self.data.is_empty() {
            events.push(self.data.join("\n"));
            self.data.clear();
        }
        events
    }

    fn line(&mut self, line: String, events: &mut Vec<String>) -> Result<(), LineTooLong> {
        if line.is_empty() {
            if !self.data.is_empty() {
                events.push(self.data.join("\n"));
                self.data.clear();
            }
            return Ok(());
        }
        if let Some(value) = line.strip_prefix("data")
            && (value.is_empty() || value.starts_with(':'))
        {
            let value = value.strip_prefix(':').unwrap_or("");
            let value = value.strip_prefix(' ').unwrap_or(value);
            let held: usize = self.data.iter().map(String::len).sum();
            if held + value.len() > MAX_LINE_BYTES {
                return Err(LineTooLong);
            }
            self.data.push(value.to_owned());
        }
        // Comments (`:`), `event:`, `id:` and `retry:` fields carry nothing we use.
        Ok(())
    }
}

/// Decodes newline-delimited JSON into its non-empty lines.
#[derive(Debug, Default)]
pub struct NdjsonDecoder {
    lines: Lines,
}

impl NdjsonDecoder {
    /// A fresh decoder.
    pub fn new() -> NdjsonDecoder {
        NdjsonDecoder::default()
    }

    /// Feeds bytes; returns every complete non-empty line.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<String>, LineTooLong> {
        let mut lines = Vec::new();
        self.lines.feed(bytes, &mut lines)?;
        lines.retain(|l| !l.trim().is_empty());
        Ok(lines)
    }

    /// Ends the stream; returns a last line without a newline.
    pub fn finish(&mut self) -> Option<String> {
        self.lines.finish().filter(|l| !l.trim().is_empty())
    }
}
