//! `points.csv` (one row per design and point: the shares with their Wilson
//! intervals, throughput, p99 acquire latency and the replay command of the
//! first violating seed) and `boundary.csv` (the safe-region boundary per
//! design, [`super::boundary`]).

use super::boundary::boundary;
use super::SweepReport;

pub const POINTS: &str = "points.csv";
pub const BOUNDARY: &str = "boundary.csv";

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

pub fn points_csv(report: &SweepReport) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["design".to_string(), "point".to_string()];
    header.extend(report.axes.iter().map(|a| a.name.clone()));
    header.extend(
        [
            "seeds",
            "corrupted_seeds",
            "corrupted_share",
            "corrupted_low",
            "corrupted_high",
            "overlap_seeds",
            "overlap_share",
            "overlap_low",
            "overlap_high",
            "acquisitions_per_s",
            "acquire_p99_ms",
            "never_recovered",
            "first_violating_seed",
            "replay",
        ]
        .map(String::from),
    );
    w.write_record(&header)?;
    for design in &report.designs {
        for (i, p) in design.points.iter().enumerate() {
            let s = &p.summary;
            let (c, o) = (p.corrupted(), p.overlap());
            let mut row = vec![design.label.clone(), i.to_string()];
            row.extend(p.coords.iter().map(i64::to_string));
            row.extend([
                s.seeds.to_string(),
                s.unsafe_seeds.to_string(),
                opt(c.map(|i| i.share)),
                opt(c.map(|i| i.low)),
                opt(c.map(|i| i.high)),
                s.overlap_seeds.to_string(),
                opt(o.map(|i| i.share)),
                opt(o.map(|i| i.low)),
                opt(o.map(|i| i.high)),
                s.throughput.to_string(),
                opt(s.acquire_p99_ms),
                s.never_recovered.to_string(),
                opt(p.first_violating_seed),
                p.replay.clone(),
            ]);
            w.write_record(&row)?;
        }
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

pub fn boundary_csv(report: &SweepReport) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let along = report.axes.last().map_or("value", |a| a.name.as_str());
    let mut header = vec!["design".to_string()];
    if report.axes.len() == 2 {
        header.push(report.axes[0].name.clone());
    }
    header.extend([
        format!("safe_up_to_{along}"),
        "seeds".into(),
        "corrupted_high".into(),
        format!("first_unsafe_{along}"),
        "first_unsafe_seeds".into(),
        "first_unsafe_low".into(),
        "first_unsafe_high".into(),
        "clean_again_above".into(),
    ]);
    w.write_record(&header)?;
    for design in &report.designs {
        for b in boundary(&report.axes, &design.points) {
            let mut row = vec![design.label.clone()];
            if let Some(x) = b.x {
                row.push(x.to_string());
            }
            row.extend([
                opt(b.safe_up_to),
                b.seeds.to_string(),
                opt(b.corrupted_high),
                opt(b.first_unsafe),
                b.first_unsafe_seeds.to_string(),
                opt(b.first_unsafe_share.map(|i| i.low)),
                opt(b.first_unsafe_share.map(|i| i.high)),
                b.clean_again_above.to_string(),
            ]);
            w.write_record(&row)?;
        }
    }
    w.into_inner().map_err(|e| e.into_error().into())
}
