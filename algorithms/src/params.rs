//! Design parameters from the command line (`--param key=value`).
//!
//! Each design declares its parameters with defaults and help text; a
//! [`ParamReader`] reads typed values, and refuses unknown keys and impossible
//! values with one line that names the key and says what would be valid.

use std::collections::BTreeMap;
use std::time::Duration;

/// One tunable of a design.
#[derive(Clone, Copy, Debug)]
pub struct ParamSpec {
    pub name: &'static str,
    pub default: &'static str,
    pub help: &'static str,
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
                .ok_or_else(|| format!("{flag} '{pair}' is not key=value (e.g. {flag} {example})"))?;
            if map.insert(k.trim().to_string(), v.trim().to_string()).is_some() {
                return Err(format!("{flag} {k} is given twice"));
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

/// Reads a design's parameters, with its defaults, checking every key is known.
pub struct ParamReader<'a> {
    design: &'static str,
    specs: &'static [ParamSpec],
    given: &'a Params,
}

impl<'a> ParamReader<'a> {
    pub fn new(design: &'static str, specs: &'static [ParamSpec], given: &'a Params) -> Result<Self, String> {
        Self::owned_by("design", design, specs, given)
    }

    /// A workload's parameters (`--workload-param key=value`).
    pub fn for_workload(name: &'static str, specs: &'static [ParamSpec], given: &'a Params) -> Result<Self, String> {
        Self::owned_by("workload", name, specs, given)
    }

    fn owned_by(
        kind: &'static str,
        design: &'static str,
        specs: &'static [ParamSpec],
        given: &'a Params,
    ) -> Result<Self, String> {
        if let Some(unknown) = given.0.keys().find(|k| !specs.iter().any(|s| s.name == k.as_str())) {
            let known: Vec<&str> = specs.iter().map(|s| s.name).collect();
            return Err(format!(
                "{kind} '{design}' has no parameter '{unknown}' (it has: {})",
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            ));
        }
        Ok(ParamReader { design, specs, given })
    }

    fn raw(&self, name: &str) -> &str {
        let spec = self.specs.iter().find(|s| s.name == name).expect("parameter is declared");
        self.given.0.get(name).map_or(spec.default, String::as_str)
    }

    fn bad(&self, name: &str, why: &str) -> String {
        format!("{}: parameter {name}={} {why}", self.design, self.raw(name))
    }

    /// A whole number at least `min`.
    pub fn u64_at_least(&self, name: &str, min: u64) -> Result<u64, String> {
        let v: u64 = self.raw(name).parse().map_err(|_| self.bad(name, "is not a whole number"))?;
        if v < min {
            return Err(self.bad(name, &format!("must be at least {min}")));
        }
        Ok(v)
    }

    /// Milliseconds, at least `min_ms`.
    pub fn millis_at_least(&self, name: &str, min_ms: u64) -> Result<Duration, String> {
        self.u64_at_least(name, min_ms).map(Duration::from_millis)
    }

    /// One of `options`, returned as its index.
    pub fn choice(&self, name: &str, options: &[&str]) -> Result<usize, String> {
        options
            .iter()
            .position(|o| *o == self.raw(name))
            .ok_or_else(|| self.bad(name, &format!("must be one of: {}", options.join(", "))))
    }

    pub fn bool(&self, name: &str) -> Result<bool, String> {
        match self.raw(name) {
            "true" | "on" | "yes" => Ok(true),
            "false" | "off" | "no" => Ok(false),
            _ => Err(self.bad(name, "must be true or false")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[ParamSpec] = &[ParamSpec { name: "ttl_ms", default: "100", help: "" }];

    #[test]
    fn defaults_apply_and_given_values_override() {
        let none = Params::default();
        assert_eq!(ParamReader::new("d", SPECS, &none).unwrap().u64_at_least("ttl_ms", 1), Ok(100));
        let given = Params::parse(&["ttl_ms=5".into()]).unwrap();
        assert_eq!(ParamReader::new("d", SPECS, &given).unwrap().u64_at_least("ttl_ms", 1), Ok(5));
    }

    #[test]
    fn unknown_keys_and_impossible_values_are_refused_in_one_line() {
        let unknown = Params::parse(&["ttl=5".into()]).unwrap();
        let err = ParamReader::new("d", SPECS, &unknown).err().unwrap();
        assert_eq!(err, "design 'd' has no parameter 'ttl' (it has: ttl_ms)");
        let zero = Params::parse(&["ttl_ms=0".into()]).unwrap();
        let err = ParamReader::new("d", SPECS, &zero).unwrap().u64_at_least("ttl_ms", 1).unwrap_err();
        assert_eq!(err, "d: parameter ttl_ms=0 must be at least 1");
        assert!(Params::parse(&["novalue".into()]).is_err());
    }
}
