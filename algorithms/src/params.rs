//! Parameters of designs and workloads (`--param key=value`,
//! `--workload-param key=value`, or the `[params]` / `[workload_params]`
//! tables of a scenario file).
//!
//! Each parameter is declared once, in its owner's table, as a
//! [`ParamSpec`]: name, kind (milliseconds, a count, a flag or a choice),
//! default, allowed range and help. `locksim list` prints the table, and a
//! [`ParamReader`] reads typed values from it by name: the default, range
//! and type come from the declaration, never from the reading code. Unknown
//! keys and impossible values are refused with one line that names the key
//! and says what would be valid. Every range is bounded, so no value a user
//! can give overflows the arithmetic it feeds (durations stay below
//! [`MAX_MS`], far inside the simulator's 64-bit nanosecond clocks).
//!
//! Reading a name the table does not declare (or as the wrong kind) is an
//! error, not a panic; the test suite configures every design and workload
//! with its defaults and checks each declared parameter is read and each
//! read is declared ([`ParamReader::undeclared_or_unread`]).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// The longest duration any parameter may give: one week, in milliseconds
/// (a run is shorter than that, and a week of nanoseconds fits an i64
/// clock reading many thousand times over).
pub const MAX_MS: u64 = 7 * 24 * 3600 * 1000;

/// What kind of value a parameter takes, with its default and range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A duration in whole milliseconds within `min..=max`.
    Millis { default: u64, min: u64, max: u64 },
    /// A whole number within `min..=max`.
    Count { default: u64, min: u64, max: u64 },
    /// true / false (also on / off, yes / no).
    Flag { default: bool },
    /// One of `options`; the default is `options[default]`.
    Choice { options: &'static [&'static str], default: usize },
    /// A fault scenario's size, a whole number within `min..=max` (its unit
    /// is in the name: `_ms`, `_ppm`, `_percent`); unless given, each seed
    /// draws its own (`ParamReader::fixed` reads `None`).
    Drawn { min: u64, max: u64 },
}

/// One tunable of a design or workload, declared once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamSpec {
    pub name: &'static str,
    pub kind: Kind,
    pub help: &'static str,
}

impl ParamSpec {
    /// Milliseconds, `default` within `min..=max` (`max` at most [`MAX_MS`]).
    pub const fn millis(name: &'static str, default: u64, min: u64, max: u64, help: &'static str) -> ParamSpec {
        assert!(min <= default && default <= max && max <= MAX_MS, "a parameter's default lies in its range");
        ParamSpec { name, kind: Kind::Millis { default, min, max }, help }
    }

    /// A whole number, `default` within `min..=max`.
    pub const fn count(name: &'static str, default: u64, min: u64, max: u64, help: &'static str) -> ParamSpec {
        assert!(min <= default && default <= max, "a parameter's default lies in its range");
        ParamSpec { name, kind: Kind::Count { default, min, max }, help }
    }

    pub const fn flag(name: &'static str, default: bool, help: &'static str) -> ParamSpec {
        ParamSpec { name, kind: Kind::Flag { default }, help }
    }

    /// One of `options`, `options[default]` unless given.
    pub const fn choice(
        name: &'static str,
        options: &'static [&'static str],
        default: usize,
        help: &'static str,
    ) -> ParamSpec {
        assert!(default < options.len(), "a choice's default is one of its options");
        ParamSpec { name, kind: Kind::Choice { options, default }, help }
    }

    /// A scenario's fault size, drawn per seed unless given, within `min..=max`.
    pub const fn drawn(name: &'static str, min: u64, max: u64, help: &'static str) -> ParamSpec {
        assert!(min <= max, "a parameter's range is not empty");
        ParamSpec { name, kind: Kind::Drawn { min, max }, help }
    }

    /// The range a number accepts, for `locksim list` (` [1..=604800000 ms]`);
    /// empty for flags and choices, whose help names their values.
    pub fn range_text(&self) -> String {
        match self.kind {
            Kind::Millis { min, max, .. } => format!(" [{min}..={max} ms]"),
            Kind::Count { min, max, .. } | Kind::Drawn { min, max } => format!(" [{min}..={max}]"),
            Kind::Flag { .. } | Kind::Choice { .. } => String::new(),
        }
    }

    /// The default as a user would write it.
    pub fn default_text(&self) -> String {
        match self.kind {
            Kind::Millis { default, .. } | Kind::Count { default, .. } => default.to_string(),
            Kind::Flag { default } => default.to_string(),
            Kind::Choice { options, default } => options[default].to_string(),
            Kind::Drawn { .. } => "drawn".to_string(),
        }
    }
}

/// Raw `key=value` pairs, as the user gave them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params(BTreeMap<String, String>);

impl Params {
    /// Parse `key=value` strings given with `--param`.
    pub fn parse(pairs: &[String]) -> Result<Params, String> {
        Self::parse_flag(pairs, "--param", "ttl_ms=5000")
    }

    /// Parse `key=value` strings given with `flag`; errors name it and show `example`.
    pub fn parse_flag(pairs: &[String], flag: &str, example: &str) -> Result<Params, String> {
        let mut map = BTreeMap::new();
        for pair in pairs {
            let (k, v) = pair
                .split_once('=')
                .ok_or_else(|| format!("{flag} '{}' is not key=value (e.g. {flag} {example})", quote(pair)))?;
            if map.insert(k.trim().to_string(), v.trim().to_string()).is_some() {
                return Err(format!("{flag} {} is given twice", quote(k)));
            }
        }
        Ok(Params(map))
    }

    /// The pairs as `key=value`, in key order.
    pub fn pairs(&self) -> Vec<String> {
        self.0.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }

    pub fn with(mut self, key: &str, value: &str) -> Params {
        self.0.insert(key.into(), value.into());
        self
    }
}

/// At most this many characters of a user's input are quoted back in an error.
const QUOTED: usize = 60;

/// `text` as an error message quotes it: cut to a readable length, so a
/// huge input gives a one-line error, not an echo of itself.
pub fn quote(text: &str) -> String {
    match text.char_indices().nth(QUOTED) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}

/// Reads an owner's parameters by name, with the defaults and ranges its
/// table declares, after checking every given key is declared.
pub struct ParamReader<'a> {
    owner: &'static str,
    specs: &'static [ParamSpec],
    given: &'a Params,
    /// Names read so far (for [`ParamReader::undeclared_or_unread`]).
    read: RefCell<BTreeSet<&'a str>>,
}

impl<'a> ParamReader<'a> {
    pub fn new(design: &'static str, specs: &'static [ParamSpec], given: &'a Params) -> Result<Self, String> {
        Self::owned_by("design", design, specs, given)
    }

    /// A workload's parameters (`--workload-param key=value`).
    pub fn for_workload(name: &'static str, specs: &'static [ParamSpec], given: &'a Params) -> Result<Self, String> {
        Self::owned_by("workload", name, specs, given)
    }

    /// A built-in fault scenario's sizes (`--scenario-param key=value`).
    pub fn for_scenario(name: &'static str, specs: &'static [ParamSpec], given: &'a Params) -> Result<Self, String> {
        Self::owned_by("scenario", name, specs, given)
    }

    fn owned_by(
        kind: &'static str,
        owner: &'static str,
        specs: &'static [ParamSpec],
        given: &'a Params,
    ) -> Result<Self, String> {
        if let Some(unknown) = given.0.keys().find(|k| !specs.iter().any(|s| s.name == k.as_str())) {
            let known: Vec<&str> = specs.iter().map(|s| s.name).collect();
            return Err(format!(
                "{kind} '{owner}' has no parameter '{}' (it has: {})",
                quote(unknown),
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            ));
        }
        Ok(ParamReader { owner, specs, given, read: RefCell::new(BTreeSet::new()) })
    }

    /// The declaration of `name` and the value given for it, if any.
    fn lookup(&self, name: &'a str) -> Result<(&'static ParamSpec, Option<&'a str>), String> {
        self.read.borrow_mut().insert(name);
        let spec = self.specs.iter().find(|s| s.name == name).ok_or_else(|| {
            format!(
                "{}: parameter {name} is read but not declared (a locksim bug: declare it in the table)",
                self.owner
            )
        })?;
        Ok((spec, self.given.0.get(name).map(String::as_str)))
    }

    fn bad(&self, name: &str, raw: &str, why: &str) -> String {
        format!("{}: parameter {name}={} {why}", self.owner, quote(raw))
    }

    fn wrong_kind(&self, name: &str) -> String {
        format!("{}: parameter {name} is read as another kind than declared (a locksim bug)", self.owner)
    }

    fn whole(&self, name: &str, raw: &str, min: u64, max: u64) -> Result<u64, String> {
        let v: u64 = raw.parse().map_err(|_| self.bad(name, raw, "is not a whole number"))?;
        if v < min {
            return Err(self.bad(name, raw, &format!("must be at least {min}")));
        }
        if v > max {
            return Err(self.bad(name, raw, &format!("must be at most {max}")));
        }
        Ok(v)
    }

    /// A duration parameter.
    pub fn millis(&self, name: &'a str) -> Result<Duration, String> {
        let (spec, given) = self.lookup(name)?;
        let Kind::Millis { default, min, max } = spec.kind else { return Err(self.wrong_kind(name)) };
        let ms = given.map_or(Ok(default), |raw| self.whole(name, raw, min, max))?;
        Ok(Duration::from_millis(ms))
    }

    /// A whole-number parameter.
    pub fn count(&self, name: &'a str) -> Result<u64, String> {
        let (spec, given) = self.lookup(name)?;
        let Kind::Count { default, min, max } = spec.kind else { return Err(self.wrong_kind(name)) };
        given.map_or(Ok(default), |raw| self.whole(name, raw, min, max))
    }

    pub fn flag(&self, name: &'a str) -> Result<bool, String> {
        let (spec, given) = self.lookup(name)?;
        let Kind::Flag { default } = spec.kind else { return Err(self.wrong_kind(name)) };
        match given {
            None => Ok(default),
            Some("true" | "on" | "yes") => Ok(true),
            Some("false" | "off" | "no") => Ok(false),
            Some(raw) => Err(self.bad(name, raw, "must be true or false")),
        }
    }

    /// A choice parameter, as the index of the option chosen.
    pub fn choice(&self, name: &'a str) -> Result<usize, String> {
        let (spec, given) = self.lookup(name)?;
        let Kind::Choice { options, default } = spec.kind else { return Err(self.wrong_kind(name)) };
        let Some(raw) = given else { return Ok(default) };
        options
            .iter()
            .position(|o| *o == raw)
            .ok_or_else(|| self.bad(name, raw, &format!("must be one of: {}", options.join(", "))))
    }

    /// A fault size: the value given, or `None` when each seed draws its own.
    pub fn fixed(&self, name: &'a str) -> Result<Option<u64>, String> {
        let (spec, given) = self.lookup(name)?;
        let Kind::Drawn { min, max } = spec.kind else { return Err(self.wrong_kind(name)) };
        given.map(|raw| self.whole(name, raw, min, max)).transpose()
    }

    /// Names read but not declared, and declared but never read: both are
    /// bugs in the owner's code (tests call this after configuring).
    pub fn undeclared_or_unread(&self) -> Vec<String> {
        let read = self.read.borrow();
        let undeclared =
            read.iter().filter(|n| !self.specs.iter().any(|s| s.name == **n)).map(|n| format!("{n} (undeclared)"));
        let unread = self.specs.iter().filter(|s| !read.contains(s.name)).map(|s| format!("{} (never read)", s.name));
        undeclared.chain(unread).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[ParamSpec] = &[
        ParamSpec::millis("ttl_ms", 100, 1, MAX_MS, ""),
        ParamSpec::choice("mode", &["a", "b"], 1, ""),
        ParamSpec::flag("on", false, ""),
    ];

    #[test]
    fn defaults_apply_and_given_values_override() {
        let none = Params::default();
        let p = ParamReader::new("d", SPECS, &none).unwrap();
        assert_eq!(p.millis("ttl_ms"), Ok(Duration::from_millis(100)));
        assert_eq!(p.choice("mode"), Ok(1));
        let given = Params::parse(&["ttl_ms=5".into(), "mode=a".into(), "on=yes".into()]).unwrap();
        let p = ParamReader::new("d", SPECS, &given).unwrap();
        assert_eq!(p.millis("ttl_ms"), Ok(Duration::from_millis(5)));
        assert_eq!(p.choice("mode"), Ok(0));
        assert_eq!(p.flag("on"), Ok(true));
        assert!(p.undeclared_or_unread().is_empty());
    }

    #[test]
    fn unknown_keys_and_impossible_values_are_refused_in_one_line() {
        let unknown = Params::parse(&["ttl=5".into()]).unwrap();
        let err = ParamReader::new("d", SPECS, &unknown).err().unwrap();
        assert_eq!(err, "design 'd' has no parameter 'ttl' (it has: ttl_ms, mode, on)");
        let zero = Params::parse(&["ttl_ms=0".into()]).unwrap();
        let err = ParamReader::new("d", SPECS, &zero).unwrap().millis("ttl_ms").unwrap_err();
        assert_eq!(err, "d: parameter ttl_ms=0 must be at least 1");
        assert!(Params::parse(&["novalue".into()]).is_err());
    }

    #[test]
    fn values_past_the_range_are_refused_before_they_can_overflow() {
        for huge in ["18446744073709551615", "9223372036854", "604800001"] {
            let given = Params::parse(&[format!("ttl_ms={huge}")]).unwrap();
            let err = ParamReader::new("d", SPECS, &given).unwrap().millis("ttl_ms").unwrap_err();
            assert_eq!(err, format!("d: parameter ttl_ms={huge} must be at most {MAX_MS}"));
        }
        let too_big = Params::parse(&["ttl_ms=99999999999999999999999".into()]).unwrap();
        let err = ParamReader::new("d", SPECS, &too_big).unwrap().millis("ttl_ms").unwrap_err();
        assert!(err.ends_with("is not a whole number"), "{err}");
    }

    #[test]
    fn reading_an_undeclared_name_or_the_wrong_kind_is_an_error_not_a_panic() {
        let none = Params::default();
        let p = ParamReader::new("d", SPECS, &none).unwrap();
        assert!(p.millis("nope").unwrap_err().contains("not declared"));
        assert!(p.count("ttl_ms").unwrap_err().contains("another kind"));
        assert_eq!(p.undeclared_or_unread(), vec!["nope (undeclared)", "mode (never read)", "on (never read)"]);
    }

    #[test]
    fn long_inputs_are_quoted_short() {
        let long = "x".repeat(10_000);
        let err = Params::parse(std::slice::from_ref(&long)).unwrap_err();
        assert!(err.len() < 200, "{err}");
        let given = Params::parse(&[format!("ttl_ms={long}")]).unwrap();
        assert!(ParamReader::new("d", SPECS, &given).unwrap().millis("ttl_ms").unwrap_err().len() < 200);
    }
}
