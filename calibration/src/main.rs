//! `calibrate [--redis URL] [--require]`: run every Redis case against the
//! live server and the model, print one line per case and a summary, and
//! exit 1 if any case disagrees (model vs server, or server vs the outcome
//! the documentation gives) outside its known differences. Without a
//! reachable server it says so and exits 0, or 1 with `--require`.

use std::process::ExitCode;

use calibration::script::{first_disagreement, Case, Outcome};
use calibration::{model, real, redis_cases};

const DEFAULT_REDIS: &str = "redis://127.0.0.1:6379";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut url = DEFAULT_REDIS.to_string();
    let mut require = false;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--redis" => match rest.next() {
                Some(u) => url = u.clone(),
                None => return usage("--redis needs a URL, e.g. --redis redis://127.0.0.1:6379"),
            },
            "--require" => require = true,
            other => return usage(&format!("unknown argument {other}; use [--redis URL] [--require]")),
        }
    }
    let version = match real::connect(&url).and_then(|mut c| server_version(&mut c)) {
        Ok(v) => v,
        Err(e) => {
            println!("calibration SKIPPED: no Redis server reachable ({e}); start one (redis-server) and rerun");
            return if require { ExitCode::FAILURE } else { ExitCode::SUCCESS };
        }
    };
    let cases = redis_cases::cases();
    let (mut agree, mut known, mut failed) = (0, 0, 0);
    for case in &cases {
        match judge(&url, case) {
            Verdict::Agrees => {
                agree += 1;
                println!("ok     {}: {}", case.name, case.pins);
            }
            Verdict::Known(line) => {
                known += 1;
                println!("known  {}: {line}", case.name);
            }
            Verdict::Fails(line) => {
                failed += 1;
                println!("FAIL   {}: {line}", case.name);
            }
        }
    }
    println!(
        "calibrated against Redis {version}: {agree}/{} cases agree, {known} known differences, {failed} failed",
        cases.len()
    );
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("calibrate: {msg}");
    ExitCode::from(2)
}

fn server_version(conn: &mut redis::Connection) -> Result<String, String> {
    let info: String = redis::cmd("INFO").arg("server").query(conn).map_err(|e| e.to_string())?;
    Ok(info.lines().find_map(|l| l.strip_prefix("redis_version:")).unwrap_or("?").trim().to_string())
}

enum Verdict {
    Agrees,
    Known(String),
    Fails(String),
}

fn judge(url: &str, case: &Case) -> Verdict {
    let real = match real::run(url, case) {
        Ok(o) => o,
        Err(e) => return Verdict::Fails(format!("the real server failed: {e}")),
    };
    let model = model::run(case);
    let at = |i: usize, o: &[Outcome]| o.get(i).map_or("nothing".to_string(), |x| format!("{x:?}"));
    if let Some(i) = first_disagreement(&real, &case.expect) {
        return Verdict::Fails(format!(
            "step {i} ({:?}): Redis replied {}, the case expects {} (the case misreads the docs)",
            case.steps.get(i),
            at(i, &real),
            at(i, &case.expect)
        ));
    }
    match (first_disagreement(&model, &real), case.known_difference) {
        (None, None) => Verdict::Agrees,
        (None, Some(_)) => Verdict::Fails("the model now agrees; drop the case's known difference".into()),
        (Some(i), why) => {
            let line = format!(
                "step {i} ({:?}): Redis replied {}, the model {}",
                case.steps.get(i),
                at(i, &real),
                at(i, &model)
            );
            match why {
                Some(why) => Verdict::Known(format!("{line}; known: {why}")),
                None => Verdict::Fails(line),
            }
        }
    }
}
