//! How a run's verdicts are recorded (`calibration/record.txt`, in
//! `reports::calibration`'s format), and the check that the committed record
//! still describes the cases in the tree.

use reports::calibration::{Record, Recorded};

use crate::script::{Case, Verdict};

/// How a verdict is recorded.
pub fn verdict(verdict: &Verdict) -> Recorded {
    match verdict {
        Verdict::Agrees => Recorded::Agrees,
        Verdict::Known(_) => Recorded::Known,
        Verdict::ReferenceOnly(_) => Recorded::ReferenceOnly,
        Verdict::Fails(_) => Recorded::Failed,
    }
}

/// What a passing real run records for `case`, from what the case declares.
fn expected<O, S>(case: &Case<O, S>) -> Recorded {
    match (case.not_modelled, case.known_difference) {
        (Some(_), _) => Recorded::ReferenceOnly,
        (None, Some(_)) => Recorded::Known,
        (None, None) => Recorded::Agrees,
    }
}

/// Whether `record`'s suite `suite` lists exactly `cases`, in order, each
/// with the verdict a passing run gives it; else what is stale.
pub fn check<O, S>(record: &Record, suite: &str, cases: &[Case<O, S>]) -> Result<(), String> {
    let rerun = "rerun `cargo run --release -p calibration --bin calibrate -- --record calibration/record.txt`";
    let found = record.suite(suite).ok_or_else(|| format!("the record has no {suite} suite; {rerun}"))?;
    let want: Vec<(&str, Recorded)> = cases.iter().map(|c| (c.name, expected(c))).collect();
    let have: Vec<(&str, Recorded)> = found.cases.iter().map(|c| (c.name.as_str(), c.verdict)).collect();
    if want != have {
        return Err(format!("the {suite} record is stale: it has {have:?}, the cases give {want:?}; {rerun}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_record_describes_every_case_in_the_tree() {
        let record = Record::parse(reports::calibration::RECORDED).expect("the committed record reads");
        check(&record, "redis", &crate::redis::cases::cases()).unwrap_or_else(|e| panic!("{e}"));
        check(&record, "postgres", &crate::postgres::cases::cases()).unwrap_or_else(|e| panic!("{e}"));
    }
}
