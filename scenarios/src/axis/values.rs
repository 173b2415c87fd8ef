//! An axis's values: a list (`1,2,5`), a linear range with a step
//! (`1000..10000+1000`) or a log range with a factor (`100..25600*2`,
//! `10..1000*1.5`). Whole numbers only, computed in integer arithmetic (a
//! factor is held as thousandths), so a grid is the same on every machine.
//! Values must strictly increase; a range ends at its last value not above
//! its end.

use serde::{Deserialize, Serialize};

/// The values of one axis, as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Values {
    List(Vec<i64>),
    Linear {
        from: i64,
        to: i64,
        step: i64,
    },
    /// `factor_milli` is the factor in thousandths (2 = 2000).
    Log {
        from: i64,
        to: i64,
        factor_milli: u64,
    },
}

impl Values {
    /// Parse the command line's form.
    pub fn parse(text: &str) -> Result<Values, String> {
        let text = text.trim();
        let number = |s: &str| -> Result<i64, String> {
            s.trim().parse::<i64>().map_err(|_| format!("'{}' is not a whole number", algorithms::params::quote(s)))
        };
        if let Some((from, rest)) = text.split_once("..") {
            let from = number(from)?;
            if let Some((to, step)) = rest.split_once('+') {
                return Ok(Values::Linear { from, to: number(to)?, step: number(step)? });
            }
            if let Some((to, factor)) = rest.split_once('*') {
                return Ok(Values::Log { from, to: number(to)?, factor_milli: milli(factor)? });
            }
            return Err(format!(
                "range '{}' needs a step (from..to+step) or a factor (from..to*factor)",
                algorithms::params::quote(text)
            ));
        }
        Ok(Values::List(text.split(',').map(number).collect::<Result<_, _>>()?))
    }

    /// Every value, in order; refuses an empty or non-increasing axis and
    /// one of more than `max` values (before building it).
    pub fn expand(&self, max: usize) -> Result<Vec<i64>, String> {
        let too_many = || format!("more than {max} values on one axis (the limit)");
        let values = match *self {
            Values::List(ref list) => {
                if list.len() > max {
                    return Err(too_many());
                }
                list.clone()
            }
            Values::Linear { from, to, step } => {
                if step <= 0 {
                    return Err(format!("step {step}: a range's step must be at least 1"));
                }
                if from > to {
                    return Err(format!("range {from}..{to} is empty (from is above to)"));
                }
                let count = (to as i128 - from as i128) / step as i128 + 1;
                if count > max as i128 {
                    return Err(too_many());
                }
                (0..count as i64).map(|i| from + i * step).collect()
            }
            Values::Log { from, to, factor_milli } => {
                if factor_milli <= 1000 || factor_milli > 1_000_000 {
                    return Err(format!(
                        "factor {}: a log range's factor must be above 1 and at most 1000",
                        show_milli(factor_milli)
                    ));
                }
                if from <= 0 {
                    return Err(format!("log range from {from}: must start above 0"));
                }
                if from > to {
                    return Err(format!("range {from}..{to} is empty (from is above to)"));
                }
                let mut values = vec![from];
                let mut exact = from as i128 * 1000;
                loop {
                    exact = exact * factor_milli as i128 / 1000;
                    let v = (exact + 500) / 1000;
                    if v > to as i128 {
                        break;
                    }
                    if values.len() == max {
                        return Err(too_many());
                    }
                    values.push(v as i64);
                }
                values
            }
        };
        if values.is_empty() {
            return Err("an axis needs at least one value".into());
        }
        if let Some(w) = values.windows(2).find(|w| w[0] >= w[1]) {
            return Err(format!("values must strictly increase ({} then {}); use a larger factor or step", w[0], w[1]));
        }
        Ok(values)
    }

    /// Whether the values are spaced by a factor (charts use a log scale).
    pub fn is_log(&self) -> bool {
        matches!(self, Values::Log { .. })
    }
}

/// A factor with at most three decimals, in thousandths.
fn milli(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let bad = || format!("factor '{}' is not a number with at most 3 decimals", algorithms::params::quote(text));
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if frac.len() > 3 || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let whole: u64 = whole.parse().map_err(|_| bad())?;
    let frac: u64 = if frac.is_empty() { 0 } else { format!("{frac:0<3}").parse().map_err(|_| bad())? };
    whole.checked_mul(1000).and_then(|w| w.checked_add(frac)).ok_or_else(bad)
}

fn show_milli(m: u64) -> String {
    format!("{}.{:03}", m / 1000, m % 1000).trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Result<Vec<i64>, String> {
        Values::parse(text)?.expand(1000)
    }

    #[test]
    fn lists_linear_and_log_ranges() {
        assert_eq!(values("1, 2,5").unwrap(), [1, 2, 5]);
        assert_eq!(values("1000..4000+1000").unwrap(), [1000, 2000, 3000, 4000]);
        assert_eq!(values("1000..4500+1000").unwrap(), [1000, 2000, 3000, 4000]);
        assert_eq!(values("100..1600*2").unwrap(), [100, 200, 400, 800, 1600]);
        assert_eq!(values("100..400*1.5").unwrap(), [100, 150, 225, 338]);
        assert_eq!(values("-5000..5000+5000").unwrap(), [-5000, 0, 5000]);
        assert!(Values::parse("100..400*1.5").unwrap().is_log());
    }

    #[test]
    fn empty_and_non_increasing_axes_are_refused() {
        assert!(values("5..1+1").unwrap_err().contains("empty"));
        assert!(values("1..5+0").unwrap_err().contains("step"));
        assert!(values("1..5*1").unwrap_err().contains("above 1"));
        assert!(values("0..5*2").unwrap_err().contains("above 0"));
        assert!(values("1..3*1.2").unwrap_err().contains("strictly increase"), "1, 1, 1 after rounding");
        assert!(values("3,2").unwrap_err().contains("strictly increase"));
        assert!(values("1..5").unwrap_err().contains("needs a step"));
        assert!(values("1,x").unwrap_err().contains("'x' is not a whole number"));
        assert!(values("1..9*1.2345").unwrap_err().contains("at most 3 decimals"));
        assert!(values("").unwrap_err().contains("not a whole number"));
    }

    #[test]
    fn an_axis_over_the_limit_is_refused_before_it_is_built() {
        let huge = Values::Linear { from: 0, to: i64::MAX, step: 1 };
        assert!(huge.expand(1000).unwrap_err().contains("more than 1000 values"));
        assert!(Values::parse("1..1000000000*1.001").unwrap().expand(1000).unwrap_err().contains("more than 1000"));
        assert_eq!(values("0..999+1").unwrap().len(), 1000);
    }
}
