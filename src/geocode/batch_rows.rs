//! Batch input read row by row with a cap: a physical line longer than
//! the cap is never held whole. Its first bytes are dropped as they come,
//! the rest is skipped up to its newline, and in its place the reader
//! yields one marker line, which the batch answers with an error row. So
//! one gigabyte-long line costs the cap, not a gigabyte.

use std::io::{BufRead, Read};

/// The line that stands for one that was too long (it can be no row of a
/// CSV or NDJSON file: it starts with a NUL byte).
pub const OVERLONG: &[u8] = b"\0overlong";

/// A reader of `inner` whose lines are at most `cap` bytes (a longer one
/// is replaced by [`OVERLONG`]).
pub struct CappedLines<R> {
    inner: std::io::BufReader<R>,
    cap: usize,
    /// The line being read, while it fits.
    line: Vec<u8>,
    /// Whether the line being read went over the cap.
    skipping: bool,
    /// What is ready to be read out, from `at`.
    ready: Vec<u8>,
    at: usize,
    done: bool,
}

impl<R: Read> CappedLines<R> {
    /// Lines of `inner`, each at most `cap` bytes.
    pub fn new(inner: R, cap: usize) -> CappedLines<R> {
        CappedLines {
            inner: std::io::BufReader::with_capacity(64 * 1024, inner),
            cap,
            line: Vec::new(),
            skipping: false,
            ready: Vec::new(),
            at: 0,
            done: false,
        }
    }

    /// Reads on until a whole line (or the end) is ready.
    fn fill(&mut self) -> std::io::Result<()> {
        self.ready.clear();
        self.at = 0;
        while self.ready.is_empty() && !self.done {
            let chunk = self.inner.fill_buf()?;
            if chunk.is_empty() {
                self.done = true;
                self.finish_line(false);
                break;
            }
            let (taken, ended) = match chunk.iter().position(|&b| b == b'\n') {
                Some(k) => (k + 1, true),
                None => (chunk.len(), false),
            };
            if !self.skipping {
                let body = if ended { &chunk[..taken - 1] } else { chunk };
                if self.line.len() + body.len() > self.cap {
                    self.skipping = true;
                    self.line = Vec::new();
                } else {
                    self.line.extend_from_slice(body);
                }
            }
            self.inner.consume(taken);
            if ended {
                self.finish_line(true);
            }
        }
        Ok(())
    }

    /// Moves the line read into `ready` (the marker if it was too long).
    fn finish_line(&mut self, newline: bool) {
        if self.skipping {
            self.ready.extend_from_slice(OVERLONG);
            self.ready.push(b'\n');
        } else if !self.line.is_empty() || newline {
            self.ready.append(&mut self.line);
            if newline {
                self.ready.push(b'\n');
            }
        }
        self.skipping = false;
        self.line.clear();
    }
}

impl<R: Read> Read for CappedLines<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.at >= self.ready.len() {
            self.fill()?;
        }
        let n = out.len().min(self.ready.len() - self.at);
        out[..n].copy_from_slice(&self.ready[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], cap: usize) -> Vec<u8> {
        let mut out = Vec::new();
        CappedLines::new(input, cap).read_to_end(&mut out).expect("read");
        out
    }

    #[test]
    fn lines_within_the_cap_pass_unchanged_and_longer_ones_become_the_marker() {
        assert_eq!(lines(b"ab\ncd\n", 4), b"ab\ncd\n");
        assert_eq!(lines(b"ab\ncd", 4), b"ab\ncd", "a last line without a newline stays as it is");
        let long = [b"ab\n".as_slice(), &[b'x'; 200_000], b"\ncd\n"].concat();
        let mut want = b"ab\n".to_vec();
        want.extend_from_slice(OVERLONG);
        want.extend_from_slice(b"\ncd\n");
        assert_eq!(lines(&long, 1000), want);
        let tail = [b"ab\n".as_slice(), &[b'x'; 5000]].concat();
        assert!(lines(&tail, 1000).ends_with(b"\0overlong\n"), "an over-long last line too");
        assert_eq!(lines(b"\n\nab\n", 4), b"\n\nab\n", "empty lines are kept");
    }
}
