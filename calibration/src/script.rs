//! A calibration case: operations, the outcome each gets, and how two
//! outcomes are compared. The operations and the server setup are each
//! suite's own ([`crate::redis::Op`], [`crate::postgres::Op`]); outcomes are
//! shared.

/// How far a real and a modelled time to live may differ: the waits between
/// operations are measured on a loaded 2-core machine (a few ms of
/// scheduling) and a real reply takes a round trip; 50 ms covers both and
/// still tells a key set 100 ms ago from one set 300 ms ago.
pub const TTL_TOLERANCE_MS: i64 = 50;

/// What one operation got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `SET NX`: set (`OK`) or not (`nil`).
    Set(bool),
    /// The compare-and-delete script: 1 deleted, 0 not.
    Deleted(bool),
    /// An error reply, by its code (Redis: `OOM`, `READONLY`; PostgreSQL:
    /// the SQLSTATE, e.g. `55P03` lock_not_available).
    Error(&'static str),
    Exists(bool),
    /// `PTTL`: -2 no key, -1 no TTL, else ms left.
    Pttl(i64),
    Idle(bool),
    /// Redis `Fill`: whether the filler's writes were refused.
    FillRefused(bool),
    /// A lock library's acquire: whether this client now holds the lock.
    Acquired(bool),
    /// A lock library's release: whether a row changed.
    Released(bool),
    /// The lock row's owner (a client number), or no row.
    Owner(Option<usize>),
    /// Rows a statement returned or changed.
    Rows(u64),
    /// The client gave up waiting for the reply (its own timeout): it cannot
    /// know whether the statement took effect.
    Unknown,
    /// The model has no such operation (see the case's `not_modelled`).
    NotModelled,
    Waited,
}

impl Outcome {
    /// Whether `self` and `other` say the same (a TTL within [`TTL_TOLERANCE_MS`]).
    pub fn agrees(&self, other: &Outcome) -> bool {
        match (self, other) {
            (Outcome::Pttl(a), Outcome::Pttl(b)) if *a >= 0 && *b >= 0 => (a - b).abs() <= TTL_TOLERANCE_MS,
            _ => self == other,
        }
    }
}

/// A scripted case over operations `O` on a server set up as `S`.
#[derive(Clone, Debug)]
pub struct Case<O, S> {
    pub name: &'static str,
    /// Which model behaviour it pins (and where the reference says so).
    pub pins: &'static str,
    /// How the server (real and modelled) is set up for the case.
    pub server: S,
    pub steps: Vec<O>,
    /// The documented outcome of each step, in order.
    pub expect: Vec<Outcome>,
    /// Why the model differs from the server here, when it is known to: the
    /// suite prints the case and does not fail on it.
    pub known_difference: Option<&'static str>,
    /// Why the model has no counterpart for this case's operations: the
    /// suite checks the real server against the documented outcomes only,
    /// and prints the case as reference-only.
    pub not_modelled: Option<&'static str>,
}

impl<O, S> Case<O, S> {
    /// A case the model must agree with, on `server`.
    pub fn new(name: &'static str, pins: &'static str, server: S, steps: Vec<O>, expect: Vec<Outcome>) -> Case<O, S> {
        Case { name, pins, server, steps, expect, known_difference: None, not_modelled: None }
    }

    pub fn known_difference(self, why: &'static str) -> Case<O, S> {
        Case { known_difference: Some(why), ..self }
    }

    pub fn not_modelled(self, why: &'static str) -> Case<O, S> {
        Case { not_modelled: Some(why), ..self }
    }
}

/// Whether two lists of outcomes agree step by step; else the first step that does not.
pub fn first_disagreement(a: &[Outcome], b: &[Outcome]) -> Option<usize> {
    if a.len() != b.len() {
        return Some(a.len().min(b.len()));
    }
    a.iter().zip(b).position(|(x, y)| !x.agrees(y))
}

/// The check every suite's model test makes: the model's outcomes are the
/// documented ones, except where a known difference says why not (and then
/// they do differ: a fixed model must drop the note), or where the case is
/// not modelled (and then the model says so). An error names the case.
pub fn check_model<O, S>(case: &Case<O, S>, got: &[Outcome]) -> Result<(), String> {
    let differs = first_disagreement(got, &case.expect);
    match (case.known_difference, case.not_modelled) {
        (_, Some(why)) if !got.contains(&Outcome::NotModelled) => {
            Err(format!("{}: the model plays it now; drop `not_modelled` ({why})", case.name))
        }
        (_, Some(_)) => Ok(()),
        (None, None) if differs.is_some() => {
            Err(format!("{}: the model got {got:?}, the docs say {:?}", case.name, case.expect))
        }
        (Some(why), None) if differs.is_none() => {
            Err(format!("{}: the model agrees now; drop the known difference ({why})", case.name))
        }
        _ => Ok(()),
    }
}

/// How a case came out in a run against a real server.
#[derive(Debug)]
pub enum Verdict {
    Agrees,
    Known(String),
    /// The real server did what the case documents; the model was not asked.
    ReferenceOnly(String),
    Fails(String),
}

/// Judge a case from the real server's outcomes (or why it could not be
/// played) and the model's.
pub fn judge<O: std::fmt::Debug, S>(
    case: &Case<O, S>,
    server: &str,
    real: Result<Vec<Outcome>, String>,
    model: impl FnOnce() -> Vec<Outcome>,
) -> Verdict {
    let real = match real {
        Ok(o) => o,
        Err(e) => return Verdict::Fails(format!("the real server failed: {e}")),
    };
    let at = |i: usize, o: &[Outcome]| o.get(i).map_or("nothing".to_string(), |x| format!("{x:?}"));
    if let Some(i) = first_disagreement(&real, &case.expect) {
        return Verdict::Fails(format!(
            "step {i} ({:?}): {server} replied {}, the case expects {} (the case misreads the docs)",
            case.steps.get(i),
            at(i, &real),
            at(i, &case.expect)
        ));
    }
    if let Some(why) = case.not_modelled {
        return Verdict::ReferenceOnly(format!("{} (not modelled: {why})", case.pins));
    }
    let model = model();
    match (first_disagreement(&model, &real), case.known_difference) {
        (None, None) => Verdict::Agrees,
        (None, Some(_)) => Verdict::Fails("the model now agrees; drop the case's known difference".into()),
        (Some(i), why) => {
            let line = format!(
                "step {i} ({:?}): {server} replied {}, the model {}",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls_agree_within_the_tolerance_and_nothing_else_is_loose() {
        assert!(Outcome::Pttl(900).agrees(&Outcome::Pttl(900 - TTL_TOLERANCE_MS)));
        assert!(!Outcome::Pttl(900).agrees(&Outcome::Pttl(900 - TTL_TOLERANCE_MS - 1)));
        assert!(!Outcome::Pttl(-2).agrees(&Outcome::Pttl(-1)));
        assert!(!Outcome::Set(true).agrees(&Outcome::Set(false)));
        assert_eq!(
            first_disagreement(&[Outcome::Waited, Outcome::Set(true)], &[Outcome::Waited, Outcome::Set(false)]),
            Some(1)
        );
    }

    #[test]
    fn a_model_that_disagrees_with_the_real_server_fails_the_case_unless_the_difference_is_known() {
        let case = Case::new("c", "p", (), vec![1], vec![Outcome::Set(true)]);
        let real = || Ok(vec![Outcome::Set(true)]);
        assert!(matches!(judge(&case, "S", real(), || vec![Outcome::Set(true)]), Verdict::Agrees));
        assert!(matches!(judge(&case, "S", real(), || vec![Outcome::Set(false)]), Verdict::Fails(_)));
        assert!(matches!(judge(&case, "S", Ok(vec![Outcome::Set(false)]), || unreachable!()), Verdict::Fails(_)));
        let known = case.clone().known_difference("why");
        assert!(matches!(judge(&known, "S", real(), || vec![Outcome::Set(false)]), Verdict::Known(_)));
        assert!(matches!(judge(&known, "S", real(), || vec![Outcome::Set(true)]), Verdict::Fails(_)));
        let reference = case.not_modelled("why");
        assert!(matches!(judge(&reference, "S", real(), || unreachable!()), Verdict::ReferenceOnly(_)));
    }
}
