//! `runs.csv` of a sweep: `design,point,<axis columns>` and then a
//! [`RunRecord`]'s columns, in its order. Written and read back exactly (the
//! floats round-trip), so a sweep can be reported again from its data.

use sim::record::RunRecord;

/// Where the rows go in a sweep directory.
pub const PATH: &str = "runs.csv";

/// One row: which design and point, its axis values, and the run.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepRow {
    pub design: String,
    pub point: usize,
    pub coords: Vec<i64>,
    pub record: RunRecord,
}

/// The columns of a [`RunRecord`], in its serde order.
pub fn record_columns() -> Vec<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.serialize(RunRecord::default()).expect("a record serializes");
    let bytes = w.into_inner().expect("in memory");
    let mut r = csv::Reader::from_reader(&bytes[..]);
    r.headers().expect("a header").iter().map(String::from).collect()
}

pub fn to_csv<'r>(axes: &[String], rows: impl IntoIterator<Item = &'r SweepRow>) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    let mut header = vec!["design".to_string(), "point".to_string()];
    header.extend(axes.iter().cloned());
    header.extend(record_columns());
    w.write_record(&header)?;
    for row in rows {
        let mut fields = vec![row.design.clone(), row.point.to_string()];
        fields.extend(row.coords.iter().map(i64::to_string));
        // The record's own fields, as its serde form writes them.
        let mut inner = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
        inner.serialize(&row.record)?;
        let bytes = inner.into_inner().map_err(|e| e.into_error())?;
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&bytes[..]);
        let record = reader.records().next().expect("one row")?;
        fields.extend(record.iter().map(String::from));
        w.write_record(&fields)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// Read rows back; `axes` is how many axis columns follow `point`.
pub fn from_csv(bytes: &[u8], axes: usize) -> Result<Vec<SweepRow>, String> {
    let mut reader = csv::Reader::from_reader(bytes);
    let header = reader.headers().map_err(|e| e.to_string())?.clone();
    let tail = csv::StringRecord::from(header.iter().skip(2 + axes).collect::<Vec<_>>());
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| e.to_string())?;
        let bad = |what: &str| format!("runs.csv row {}: {what}", i + 1);
        let field = |j: usize| record.get(j).ok_or_else(|| bad("too few fields"));
        let point = field(1)?.parse().map_err(|_| bad("point is not a number"))?;
        let coords = (0..axes)
            .map(|a| field(2 + a)?.parse::<i64>().map_err(|_| bad("an axis value is not a whole number")))
            .collect::<Result<Vec<_>, _>>()?;
        let rest = csv::StringRecord::from(record.iter().skip(2 + axes).collect::<Vec<_>>());
        let run: RunRecord = rest.deserialize(Some(&tail)).map_err(|e| bad(&e.to_string()))?;
        rows.push(SweepRow { design: field(0)?.to_string(), point, coords, record: run });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_with_their_axis_columns() {
        let record = RunRecord {
            algorithm: "cache(ttl_ms=2000)".into(),
            scenario: "gc-pause(pause_ms=1600)".into(),
            workload: "inventory".into(),
            seed: 7,
            trace_hash: "00ff00ff00ff00ff".into(),
            corrupted: 2,
            sim_seconds: 20.000_001,
            acquire_p99_ms: Some(0.1 + 0.2),
            recovery_ms: None,
            ..RunRecord::default()
        };
        let rows = vec![
            SweepRow { design: "cache".into(), point: 3, coords: vec![2000, 1600], record: record.clone() },
            SweepRow { design: "cache, quoted".into(), point: 4, coords: vec![-5, 0], record },
        ];
        let axes = ["ttl_ms".to_string(), "pause_ms".to_string()];
        let bytes = to_csv(&axes, &rows).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with("design,point,ttl_ms,pause_ms,algorithm,scenario,"), "{text}");
        assert_eq!(from_csv(&bytes, 2).unwrap(), rows);
    }
}
