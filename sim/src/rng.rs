//! Named random streams derived from the run seed (docs/ARCHITECTURE.md, "Contracts": one seed, one world).
//!
//! Every random choice in a run draws from a ChaCha stream keyed by the run
//! seed and selected by a stream name ("faults", "client-3/jitter", ...). Two
//! components never share a stream, so adding a draw in one place does not
//! shift the numbers another place sees. ChaCha's output for a key and stream
//! is fixed by its specification, unlike `StdRng`/`SmallRng`.

use crate::hash::fnv64;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The random generator every component uses.
pub type SimRng = ChaCha8Rng;

/// The stream `name` of the run `seed`.
pub fn stream(seed: u64, name: &str) -> SimRng {
    let mut rng = SimRng::seed_from_u64(seed);
    rng.set_stream(fnv64(name.as_bytes()));
    rng
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn same_seed_and_name_give_the_same_numbers() {
        let draw = || {
            let mut rng = stream(7, "x");
            (0..4).map(|_| rng.gen::<u64>()).collect::<Vec<_>>()
        };
        assert_eq!(draw(), draw());
    }

    #[test]
    fn names_and_seeds_select_different_streams() {
        let first = |seed, name| stream(seed, name).gen::<u64>();
        assert_ne!(first(7, "x"), first(7, "y"));
        assert_ne!(first(7, "x"), first(8, "x"));
    }
}
