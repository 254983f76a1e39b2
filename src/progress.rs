//! Progress for long jobs: a bar on a terminal, plain lines otherwise.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// A progress reporter.
pub struct Progress {
    bar: Option<ProgressBar>,
    label: String,
    total: u64,
    done: u64,
    next_line: u64,
}

impl Progress {
    /// Starts reporting a job of `total` steps.
    pub fn new(label: &str, total: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = ProgressBar::new(total);
            b.set_style(
                ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} {per_sec} eta {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            b.set_message(label.to_string());
            b
        });
        Progress { bar, label: label.to_string(), total, done: 0, next_line: 0 }
    }

    /// Advances by `n` steps.
    pub fn inc(&mut self, n: u64) {
        self.done += n;
        match &self.bar {
            Some(b) => b.inc(n),
            None if self.done >= self.next_line => {
                tracing::info!("{}: {}/{}", self.label, self.done, self.total);
                self.next_line = self.done + (self.total / 10).max(1);
            }
            None => {}
        }
    }

    /// Ends the job.
    pub fn finish(self) {
        match self.bar {
            Some(b) => b.finish_and_clear(),
            None => tracing::info!("{}: done ({})", self.label, self.done),
        }
    }
}
