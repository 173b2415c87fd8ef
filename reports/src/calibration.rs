//! What the calibration suite last found against real servers, as the
//! reports quote it: one line per design backed by a suite ("calibrated
//! against Redis 7.0.15: 11/12 cases agree, 1 known difference").
//!
//! The record is a text file the `calibrate --record` command writes after
//! a run in which every suite ran and none failed; it is committed with the
//! code, so a report built anywhere, without a server, says the same. The
//! format is line-based and stable:
//!
//! ```text
//! suite redis Redis 7.0.15
//! case redis agrees set-nx-on-a-free-key
//! case redis known volatile-lru-evicts-only-keys-with-a-ttl
//! ```

use std::fmt::Write;

/// The record `calibrate --record calibration/record.txt` last wrote.
pub const RECORDED: &str = include_str!("../../calibration/record.txt");

/// What a report says of the design `calibrated_by` the suite `suite`:
/// the suite's summary line from the committed record, if it has one.
pub fn recorded_summary(suite: &str) -> Option<String> {
    Record::parse(RECORDED).ok()?.suite(suite).map(Suite::summary)
}

/// How one case came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    Agrees,
    /// The model differs, for a reason its module doc gives.
    Known,
    /// Checked on the real server only; the model has no counterpart.
    ReferenceOnly,
    Failed,
}

impl Recorded {
    const NAMES: [(Recorded, &'static str); 4] = [
        (Recorded::Agrees, "agrees"),
        (Recorded::Known, "known"),
        (Recorded::ReferenceOnly, "reference-only"),
        (Recorded::Failed, "failed"),
    ];

    pub fn name(self) -> &'static str {
        Self::NAMES.iter().find(|(v, _)| *v == self).map_or("?", |(_, n)| n)
    }

    fn parse(name: &str) -> Option<Recorded> {
        Self::NAMES.iter().find(|(_, n)| *n == name).map(|(v, _)| *v)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseResult {
    pub name: String,
    pub verdict: Recorded,
}

/// One suite's run: the server it ran against and each case's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suite {
    /// `redis` or `postgres`.
    pub name: String,
    /// The server and its version, e.g. `Redis 7.0.15`.
    pub server: String,
    pub cases: Vec<CaseResult>,
}

impl Suite {
    fn count(&self, verdict: Recorded) -> usize {
        self.cases.iter().filter(|c| c.verdict == verdict).count()
    }

    pub fn failed(&self) -> usize {
        self.count(Recorded::Failed)
    }

    /// "calibrated against Redis 7.0.15: 11/12 cases agree, 1 known
    /// difference"; reference-only cases are not counted among those the
    /// model is compared on.
    pub fn summary(&self) -> String {
        let compared = self.cases.len() - self.count(Recorded::ReferenceOnly);
        let mut line =
            format!("calibrated against {}: {}/{compared} cases agree", self.server, self.count(Recorded::Agrees));
        let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        for (verdict, one, many) in [
            (Recorded::Known, "known difference", "known differences"),
            (Recorded::ReferenceOnly, "reference-only case", "reference-only cases"),
            (Recorded::Failed, "failed", "failed"),
        ] {
            if self.count(verdict) > 0 {
                let _ = write!(line, ", {}", plural(self.count(verdict), one, many));
            }
        }
        line
    }
}

/// Every suite of one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    pub suites: Vec<Suite>,
}

impl Record {
    pub fn render(&self) -> String {
        let mut out = String::from(
            "# What `calibrate --record` found against real servers (see calibration/). Rerun it; do not edit.\n",
        );
        for suite in &self.suites {
            let _ = writeln!(out, "suite {} {}", suite.name, suite.server);
            for case in &suite.cases {
                let _ = writeln!(out, "case {} {} {}", suite.name, case.verdict.name(), case.name);
            }
        }
        out
    }

    /// Read a record; an error names the line.
    pub fn parse(text: &str) -> Result<Record, String> {
        let mut record = Record::default();
        for (i, line) in text.lines().enumerate() {
            let bad = || format!("calibration record line {}: cannot read {line:?}", i + 1);
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                [] => {}
                [first, ..] if first.starts_with('#') => {}
                ["suite", name, server @ ..] if !server.is_empty() => {
                    record.suites.push(Suite { name: name.to_string(), server: server.join(" "), cases: Vec::new() })
                }
                ["case", suite, verdict, name] => {
                    let verdict = Recorded::parse(verdict).ok_or_else(bad)?;
                    let owner = record.suites.iter_mut().rfind(|s| s.name == *suite).ok_or_else(bad)?;
                    owner.cases.push(CaseResult { name: name.to_string(), verdict });
                }
                _ => return Err(bad()),
            }
        }
        Ok(record)
    }

    pub fn suite(&self, name: &str) -> Option<&Suite> {
        self.suites.iter().find(|s| s.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suite(verdicts: &[Recorded]) -> Suite {
        let cases =
            verdicts.iter().enumerate().map(|(i, v)| CaseResult { name: format!("c{i}"), verdict: *v }).collect();
        Suite { name: "redis".into(), server: "Redis 7.0.15".into(), cases }
    }

    #[test]
    fn a_record_reads_back_as_written() {
        let record = Record { suites: vec![suite(&[Recorded::Agrees, Recorded::Known, Recorded::ReferenceOnly])] };
        assert_eq!(Record::parse(&record.render()), Ok(record));
        assert!(Record::parse("case redis agrees x").is_err(), "a case before its suite");
        assert!(Record::parse("suite redis Redis 7\ncase redis maybe x").is_err());
    }

    #[test]
    fn the_summary_counts_agreement_among_the_cases_the_model_is_compared_on() {
        use Recorded::*;
        assert_eq!(suite(&[Agrees, Agrees]).summary(), "calibrated against Redis 7.0.15: 2/2 cases agree");
        assert_eq!(
            suite(&[Agrees, Known, ReferenceOnly, ReferenceOnly]).summary(),
            "calibrated against Redis 7.0.15: 1/2 cases agree, 1 known difference, 2 reference-only cases"
        );
    }
}
