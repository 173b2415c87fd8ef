//! `calibrate [--redis URL] [--postgres PARAMS] [--require] [--record FILE]`:
//! run every Redis and PostgreSQL case against the live server and the
//! model, print one line per case and a summary per suite, and exit 1 if any
//! case disagrees (model vs server, or server vs the outcome the
//! documentation gives) outside its known differences. A suite without a
//! reachable server says so and is skipped (exit 0), or fails with
//! `--require`. `--record FILE` writes what was found (the file the reports
//! quote), only when every suite ran and none failed.

use std::process::ExitCode;

use calibration::script::{judge, Verdict};
use calibration::{postgres, record, redis};
use reports::calibration::{CaseResult, Record, Suite};

const DEFAULT_REDIS: &str = "redis://127.0.0.1:6379";
const DEFAULT_POSTGRES: &str = "host=127.0.0.1 port=5432 user=postgres dbname=test";

struct Args {
    redis: String,
    postgres: String,
    require: bool,
    record: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args =
        Args { redis: DEFAULT_REDIS.into(), postgres: DEFAULT_POSTGRES.into(), require: false, record: None };
    let mut rest = std::env::args().skip(1);
    while let Some(arg) = rest.next() {
        let mut value = |what: &str| rest.next().ok_or_else(|| format!("{arg} needs {what}"));
        match arg.as_str() {
            "--redis" => args.redis = value("a URL, e.g. --redis redis://127.0.0.1:6379")?,
            "--postgres" => {
                args.postgres =
                    value("connection parameters, e.g. --postgres 'host=127.0.0.1 user=postgres dbname=test'")?
            }
            "--record" => args.record = Some(value("a file, e.g. --record calibration/record.txt")?),
            "--require" => args.require = true,
            other => {
                return Err(format!(
                    "unknown argument {other}; use [--redis URL] [--postgres PARAMS] [--require] [--record FILE]"
                ))
            }
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("calibrate: {msg}");
            return ExitCode::from(2);
        }
    };
    let runs = [run_redis(&args.redis), run_postgres(&args.postgres)];
    let mut failed = false;
    let mut found = Record::default();
    for run in runs {
        match run {
            Ok(suite) => {
                failed |= suite.failed() > 0;
                found.suites.push(suite);
            }
            Err(skipped) => {
                println!("{skipped}");
                failed |= args.require;
            }
        }
    }
    if let Some(path) = &args.record {
        if failed || found.suites.len() < 2 {
            eprintln!("calibrate: not writing {path}: a suite failed or was skipped");
            return ExitCode::FAILURE;
        }
        if let Err(e) = std::fs::write(path, found.render()) {
            eprintln!("calibrate: cannot write {path}: {e}");
            return ExitCode::FAILURE;
        }
        println!("recorded in {path}");
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Print each case's line as it is judged, then the suite's summary.
fn report(suite: &'static str, server: String, judged: impl Iterator<Item = (&'static str, Verdict)>) -> Suite {
    let mut cases = Vec::new();
    for (name, verdict) in judged {
        let (tag, line) = match &verdict {
            Verdict::Agrees => ("ok", String::new()),
            Verdict::Known(line) => ("known", line.clone()),
            Verdict::ReferenceOnly(line) => ("ref", line.clone()),
            Verdict::Fails(line) => ("FAIL", line.clone()),
        };
        println!("{tag:<6} {suite} {name}{}", if line.is_empty() { String::new() } else { format!(": {line}") });
        cases.push(CaseResult { name: name.to_string(), verdict: record::verdict(&verdict) });
    }
    let suite = Suite { name: suite.to_string(), server, cases };
    println!("{}", suite.summary());
    suite
}

fn run_redis(url: &str) -> Result<Suite, String> {
    let version = redis::real::connect(url).and_then(|mut c| redis::real::server_version(&mut c)).map_err(|e| {
        format!("redis calibration SKIPPED: no Redis server reachable ({e}); start one (redis-server) and rerun")
    })?;
    let cases = redis::cases::cases();
    let judged = cases
        .iter()
        .map(|case| (case.name, judge(case, "Redis", redis::real::run(url, case), || redis::model::run(case))));
    Ok(report("redis", format!("Redis {version}"), judged))
}

fn run_postgres(params: &str) -> Result<Suite, String> {
    let skipped = |e: String| {
        format!(
            "postgres calibration SKIPPED: no PostgreSQL server reachable ({e}); start one (pg_ctlcluster) and rerun"
        )
    };
    let rt = postgres::real::runtime().map_err(skipped)?;
    let version = postgres::real::server_version(&rt, params).map_err(skipped)?;
    let cases = postgres::cases::cases();
    let judged = cases.iter().map(|case| {
        (case.name, judge(case, "PostgreSQL", postgres::real::run(&rt, params, case), || postgres::model::run(case)))
    });
    Ok(report("postgres", format!("PostgreSQL {version}"), judged))
}
