//! Progress bars for multi-seed runs: on stderr, hidden when stderr is not a
//! terminal (so pipes, CI logs and JSON consumers see nothing of them).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// A bar counting seeds.
pub fn bar(total: u64, label: &str) -> ProgressBar {
    bar_of(total, label, "seeds")
}

/// A bar counting `unit` (seeds, runs).
pub fn bar_of(total: u64, label: &str, unit: &str) -> ProgressBar {
    if total <= 1 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    // Configured while hidden, then shown: a bar set up on stderr draws at
    // once, and a line drawn before the bar joins a MultiProgress stays
    // behind on the terminal for good.
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    bar.set_style(style(unit));
    bar.set_prefix(label.to_string());
    bar.set_draw_target(ProgressDrawTarget::stderr());
    bar
}

/// A bar to [`restart`] for each piece of work in turn (hidden when stderr
/// is not a terminal).
pub fn reusable() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
    bar.set_draw_target(ProgressDrawTarget::stderr());
    bar
}

/// Reuse `bar` for the next piece of work: `total` of `unit`, from zero,
/// under `label`, its clock restarted (a hidden bar stays hidden).
pub fn restart(bar: &ProgressBar, total: u64, label: &str, unit: &str) {
    if bar.is_hidden() {
        return;
    }
    bar.set_style(style(unit));
    bar.set_length(total);
    bar.set_position(0);
    bar.set_prefix(label.to_string());
    bar.reset_elapsed();
    bar.reset_eta();
}

fn style(unit: &str) -> ProgressStyle {
    ProgressStyle::with_template(&format!(
        "{{prefix}} [{{bar:30}}] {{pos}}/{{len}} {unit}  {{elapsed_precise}} eta {{eta}}"
    ))
    .expect("template is valid")
    .progress_chars("=> ")
}
