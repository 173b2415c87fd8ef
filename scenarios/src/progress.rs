//! Progress bars for multi-seed runs: on stderr, hidden when stderr is not a
//! terminal (so pipes, CI logs and JSON consumers see nothing of them).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

pub fn bar(total: u64, label: &str) -> ProgressBar {
    bar_of(total, label, "seeds")
}

/// A bar counting `unit` (seeds, runs).
pub fn bar_of(total: u64, label: &str, unit: &str) -> ProgressBar {
    if total <= 1 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{prefix}} [{{bar:30}}] {{pos}}/{{len}} {unit}  {{elapsed_precise}} eta {{eta}}"
        ))
        .expect("template is valid")
        .progress_chars("=> "),
    );
    bar.set_prefix(label.to_string());
    bar
}
