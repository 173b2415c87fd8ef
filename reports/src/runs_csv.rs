//! `runs.csv`: one row per seed run, every metric and its trace hash. It is
//! the report's data: [`from_csv`] reads it back, so a report can be rebuilt,
//! merged or resumed from it.

use sim::record::RunRecord;

use crate::report::Report;
use crate::sink::{File, RenderError, Sink};

/// Where the rows are saved in a report directory.
pub const PATH: &str = "runs.csv";

/// The sink of `runs.csv`: every row of [`Report::runs`], in order.
pub struct RunsCsv;

impl Sink for RunsCsv {
    fn render(&self, report: &Report<'_>) -> Result<Vec<File>, RenderError> {
        let bytes = to_csv(report.runs.iter().copied()).map_err(|e| RenderError::new(PATH, e))?;
        Ok(vec![File::new(PATH, bytes)])
    }
}

pub fn to_csv<'a>(records: impl IntoIterator<Item = &'a RunRecord>) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in records {
        w.serialize(r)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

pub fn from_csv(bytes: &[u8]) -> Result<Vec<RunRecord>, csv::Error> {
    csv::Reader::from_reader(bytes).deserialize().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let r = RunRecord {
            algorithm: "cache".into(),
            scenario: "none".into(),
            workload: "inventory".into(),
            seed: 3,
            faults: "pause client-2 20 s".into(),
            trace_hash: "00ff00ff00ff00ff".into(),
            overlaps: 1,
            corrupted: 0,
            acquired: 10,
            acquire_failed: 0,
            acquire_unknown: 1,
            writes_accepted: 10,
            writes_rejected: 0,
            messages: 80,
            server_writes: 12,
            sim_seconds: 60.0,
            acquire_p50_ms: Some(1.5),
            acquire_p99_ms: None,
            acquire_latency_histogram: "40:3 161:1".into(),
            acquire_wait_s: 1.25,
            recovery_ms: Some(12.5),
            never_recovered: false,
            figures: "ticks run %=98.5;ticks run twice=1".into(),
        };
        let bytes = to_csv(std::slice::from_ref(&r)).unwrap();
        assert_eq!(from_csv(&bytes).unwrap(), vec![r]);
    }
}
