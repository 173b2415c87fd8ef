//! Exact fault plans in scenario files: a `[[plan]]` table array, each entry
//! one [`TimedFault`] of the simulator (`sim::fault`) as it is played, not a
//! rule drawn from ranges ([`crate::fault_rules`]). A file with a plan plays
//! the same faults for every seed and replays the same history on every
//! machine; `locksim shrink` writes its minimal cases this way.
//!
//! The form is the sim's own serde form of [`TimedFault`], with every
//! duration written in whole milliseconds under its name plus `_ms` (serde's
//! `{ secs, nanos }` otherwise): `at_ms`, `duration_ms`, `restart_after_ms`,
//! `extra_ms`, `period_ms`, `when.delay_ms`, `settings.latency_min_ms`. The
//! fault's kind is `fault`; targets are `"holder"`, `"random-client"`,
//! `"primary"`, `"every-server"`, `{ node = "client-0" }`, `{ client = 0 }`,
//! `{ server = 1 }`, `"triggering"`; a partition's `shape` is a table with
//! its own `shape` key. For example:
//!
//! ```toml
//! [[plan]]
//! at_ms = 12000
//! fault = "pause"
//! target = "holder"
//! duration_ms = 1500
//!
//! [[plan]]
//! at_ms = 3000
//! when = { mark = "cs-enter", delay_ms = 100 }
//! fault = "partition"
//! shape = { shape = "isolate", side = ["triggering"], from = "servers" }
//! duration_ms = 4000
//! ```
//!
//! A key the fault does not have, a missing one or a wrong type is refused
//! with one line naming `plan[i].KEY`. Simplified: durations finer than a
//! millisecond are written in serde's `{ secs, nanos }` form.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use sim::fault::TimedFault;

/// One fault of an exact plan, in the file's form.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanEntry(pub TimedFault);

// `ExperimentSpec` is `Eq`; the one float in a fault (a network's loss) is
// validated to lie in 0..=1, so it is never NaN.
impl Eq for PlanEntry {}

impl Serialize for PlanEntry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        to_file_form(&self.0).serialize(s)
    }
}

impl<'de> Deserialize<'de> for PlanEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<PlanEntry, D::Error> {
        let value = Value::deserialize(d)?;
        parse_value(&value).map(PlanEntry).map_err(serde::de::Error::custom)
    }
}

/// Parse the `i`-th entry of a file's plan: one line naming `plan[i].KEY` if it is malformed.
pub fn parse_entry(i: usize, value: &toml::Value) -> Result<PlanEntry, String> {
    let value = serde_json::to_value(value).map_err(|e| format!("plan[{i}]: {e}"))?;
    parse_value(&value).map(PlanEntry).map_err(|e| format!("plan[{i}].{e}"))
}

/// Every duration field name (as serde names it) of a timed fault.
const DURATIONS: [&str; 8] =
    ["at", "duration", "restart_after", "extra", "period", "delay", "latency_min", "latency_max"];

/// The error starts with the key it is about (without the `plan[i].` prefix).
fn parse_value(value: &Value) -> Result<TimedFault, String> {
    if !value.is_object() {
        return Err("fault: each plan entry must be a table ([[plan]])".into());
    }
    let native = from_file_form(value, "")?;
    let fault: TimedFault = serde_json::from_value(native).map_err(|e| explain(&e.to_string()))?;
    unknown_key(value, &to_file_form(&fault), "")?;
    Ok(fault)
}

/// serde's message, led by the key it names, durations by their `_ms` name.
fn explain(message: &str) -> String {
    let quoted = message.split('`').nth(1).unwrap_or("");
    let key = if DURATIONS.contains(&quoted) { format!("{quoted}_ms") } else { quoted.to_string() };
    let message = message.split(" at line").next().unwrap_or(message);
    if key.is_empty() || message.starts_with("unknown variant") {
        let head = if message.contains("variant") { "fault" } else { "plan" };
        format!("{head}: {message}")
    } else {
        format!("{key}: {message}")
    }
}

/// One line for a report: "pause at 0.760 s: duration_ms = 11052, target = \"holder\"",
/// the file form's other keys as the scenario file writes them.
pub fn one_line(fault: &TimedFault) -> String {
    let Value::Object(mut map) = to_file_form(fault) else { unreachable!("a fault serializes to a table") };
    let kind = map.remove("fault").and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
    let at = match (map.remove("at_ms"), map.remove("at")) {
        (Some(ms), _) => ms.as_u64().map(|ms| ms as f64 / 1000.0),
        (None, Some(_)) => Some(fault.at.as_secs_f64()),
        (None, None) => None,
    };
    let at = at.map(|s| format!(" at {s:.3} s"));
    let rest: Vec<String> = map
        .iter()
        .map(|(k, v)| {
            let v = toml::Value::try_from(v).map_or_else(|_| v.to_string(), |t| t.to_string());
            format!("{k} = {v}")
        })
        .collect();
    format!("{kind}{}: {}", at.unwrap_or_default(), rest.join(", "))
}

/// The sim's serde form with durations as `NAME_ms` whole milliseconds and no nulls.
pub fn to_file_form(fault: &TimedFault) -> Value {
    fn walk(v: Value) -> Value {
        match v {
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    match as_millis(&v) {
                        Some(ms) => {
                            out.insert(format!("{k}_ms"), Value::from(ms));
                        }
                        None if v.is_null() => {}
                        None => {
                            out.insert(k, walk(v));
                        }
                    }
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(items.into_iter().map(walk).collect()),
            v => v,
        }
    }
    walk(serde_json::to_value(fault).expect("a fault serializes"))
}

/// A serde `Duration` (`{ secs, nanos }`) that is a whole number of milliseconds.
fn as_millis(v: &Value) -> Option<u64> {
    let map = v.as_object()?;
    if map.len() != 2 {
        return None;
    }
    let (secs, nanos) = (map.get("secs")?.as_u64()?, map.get("nanos")?.as_u64()?);
    (nanos % 1_000_000 == 0).then(|| secs.checked_mul(1000)?.checked_add(nanos / 1_000_000)).flatten()
}

/// The file form back into the sim's serde form.
fn from_file_form(v: &Value, path: &str) -> Result<Value, String> {
    Ok(match v {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let here = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                match k.strip_suffix("_ms").filter(|name| DURATIONS.contains(name)) {
                    Some(name) => {
                        let ms = v.as_u64().ok_or_else(|| format!("{here}: must be a whole number of milliseconds"))?;
                        let duration = serde_json::json!({ "secs": ms / 1000, "nanos": (ms % 1000) * 1_000_000 });
                        out.insert(name.to_string(), duration);
                    }
                    None => {
                        out.insert(k.clone(), from_file_form(v, &here)?);
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| from_file_form(i, path)).collect::<Result<_, _>>()?),
        v => v.clone(),
    })
}

/// The first key of `given` the parsed fault does not have (a default
/// left out of the file form, `false` or `0`, is not unknown).
fn unknown_key(given: &Value, parsed: &Value, path: &str) -> Result<(), String> {
    let (Value::Object(given), Value::Object(parsed)) = (given, parsed) else { return Ok(()) };
    for (k, v) in given {
        let here = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
        match parsed.get(k) {
            Some(p) => unknown_key(v, p, &here)?,
            None if v.as_bool() == Some(false) || v.as_u64() == Some(0) => {}
            None => {
                let known: Vec<&str> = parsed.keys().map(String::as_str).collect();
                return Err(format!("{here}: not a key of this fault (it has: {})", known.join(", ")));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::fault::{Fault, Peers, Target, Trigger};
    use std::time::Duration;

    fn entry(text: &str) -> Result<TimedFault, String> {
        let table: toml::Table = toml::from_str(text).unwrap();
        parse_entry(0, &toml::Value::Table(table)).map(|e| e.0)
    }

    #[test]
    fn a_fault_round_trips_through_the_file_form() {
        let faults = vec![
            TimedFault::at(
                Duration::from_millis(12_000),
                Fault::Pause { target: Target::Holder, duration: Duration::from_millis(1500) },
            ),
            TimedFault::when(
                Duration::from_secs(3),
                Trigger { mark: "cs-enter".into(), by: Some(Target::Client(1)), delay: Duration::from_millis(100) },
                Fault::isolate(vec![Target::Triggering], Peers::Servers, Duration::from_secs(4)),
            ),
            TimedFault::at(
                Duration::from_secs(1),
                Fault::Crash { target: Target::Node("redis-0".into()), restart_after: None, durable: false },
            ),
        ];
        for f in faults {
            let text = toml::to_string(&PlanEntry(f.clone())).unwrap();
            assert_eq!(entry(&text).unwrap(), f, "{text}");
        }
    }

    #[test]
    fn the_documented_example_parses() {
        let f = entry("at_ms = 12000\nfault = \"pause\"\ntarget = \"holder\"\nduration_ms = 1500\n").unwrap();
        assert_eq!(f.at, Duration::from_secs(12));
    }

    #[test]
    fn malformed_entries_name_their_key() {
        let cases = [
            ("at_ms = 1\nfault = \"pause\"\ntarget = \"holder\"\n", "plan[0].duration_ms:"),
            ("at_ms = 1\nfault = \"pause\"\ntarget = \"holder\"\nduration_ms = 5\nspeed = 3\n", "plan[0].speed:"),
            ("at_ms = -1\nfault = \"pause\"\ntarget = \"holder\"\nduration_ms = 5\n", "plan[0].at_ms:"),
            ("at_ms = 1\nfault = \"nap\"\ntarget = \"holder\"\nduration_ms = 5\n", "plan[0].fault:"),
        ];
        for (text, key) in cases {
            let e = entry(text).unwrap_err();
            assert!(e.starts_with(key), "{e} should start with {key}");
        }
    }
}
