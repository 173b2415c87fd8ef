//! What every kind of output directory (`compare`'s report, `sweep`'s maps)
//! shares on disk: making a new one without overwriting anything foreign,
//! the checksum that shows a hand-edited manifest, and writing rendered files
//! into directories a writer owns.
//!
//! Promise: [`claim_empty`] creates `out` or accepts it only when it is
//! empty, and proves it can write there, before any run starts; [`write_files`]
//! writes each file atomically and leaves no file of an owned subdirectory
//! that this write did not produce.

use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::Path;

use reports::atomic::write_atomic;
use sim::hash::Fnv64;

/// `out` is new or empty: create it and check it is writable. `what` names
/// the kind of report for the error ("locksim report", "locksim sweep").
pub fn claim_empty(out: &Path, what: &str) -> Result<(), String> {
    let shown = out.display();
    if out.exists() {
        let entries = std::fs::read_dir(out).map_err(|e| format!("--out {shown}: {e}"))?;
        if entries.count() > 0 {
            return Err(format!("--out {shown} is not empty and holds no {what}; choose a new or empty directory"));
        }
    }
    std::fs::create_dir_all(out).map_err(|e| format!("--out {shown}: cannot create it: {e}"))?;
    let probe = out.join(".locksim-write-check");
    std::fs::write(&probe, b"")
        .and_then(|_| std::fs::remove_file(&probe))
        .map_err(|e| format!("--out {shown}: cannot write there: {e}"))
}

/// Every kind of directory's settings file.
pub const MANIFEST: &str = "manifest.json";

/// Read `dir`'s manifest as a `T`; `what` names the kind of directory for
/// the error ("locksim report", "locksim sweep"). Errors are one line.
pub fn read_manifest<T: DeserializeOwned>(dir: &Path, what: &str) -> Result<T, String> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e} (is {} a {what} directory?)", path.display(), dir.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is malformed: {e}", path.display()))
}

/// FNV-1a of `value`'s JSON, as 16 hex digits: a manifest keeps it so a
/// hand edit of its settings shows, and a report is never rebuilt or resumed
/// under settings its rows did not run.
pub fn checksum<T: Serialize + ?Sized>(value: &T) -> String {
    let mut hash = Fnv64::default();
    serde_json::to_writer(&mut hash, value).expect("settings serialize");
    format!("{:016x}", hash.finish())
}

/// Empty each subdirectory in `owns` (removing it when no file of `files`
/// goes there), then write `files` (relative path, bytes), each atomically.
pub fn write_files(out: &Path, owns: &[&str], files: Vec<(String, Vec<u8>)>) -> Result<(), String> {
    let io = |what: &str, e: std::io::Error| format!("cannot write {what} in {}: {e}", out.display());
    for dir in owns {
        if out.join(dir).is_dir() {
            for entry in std::fs::read_dir(out.join(dir)).map_err(|e| io(dir, e))?.flatten() {
                std::fs::remove_file(entry.path()).map_err(|e| io(dir, e))?;
            }
            if !files.iter().any(|(path, _)| path.starts_with(&format!("{dir}/"))) {
                std::fs::remove_dir(out.join(dir)).map_err(|e| io(dir, e))?;
            }
        }
    }
    for (path, bytes) in files {
        let file = out.join(&path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(&path, e))?;
        }
        write_atomic(&file, &bytes).map_err(|e| io(&path, e))?;
    }
    Ok(())
}
