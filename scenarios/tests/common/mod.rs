//! What several test files share.

// Each test file compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every file under `dir`, by its path relative to `dir`, with its bytes.
pub fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.insert(path.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// Start `locksim args`, wait until `ready` exists (its Ctrl-C handler is
/// installed by then) and `settle` more, send it SIGINT, and return how it
/// ended (it may have finished first: exit 0).
pub fn interrupted(args: &[&str], ready: &Path, settle: std::time::Duration) -> std::process::ExitStatus {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_locksim")).args(args).spawn().unwrap();
    while !ready.exists() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("{} ended before it could be interrupted: {status}", args[0]);
        }
        std::thread::yield_now();
    }
    std::thread::sleep(settle);
    std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    child.wait().unwrap()
}
