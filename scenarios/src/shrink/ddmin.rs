//! Zeller and Hildebrandt's delta debugging (ddmin, "Simplifying and
//! Isolating Failure-Inducing Input", TSE 2002) over a list: a smallest
//! sublist (1-minimal: removing any one item makes the test pass) that still
//! fails. Simplified: a test that cannot be run (the budget is spent) counts
//! as passing, so the result is then only smaller, not 1-minimal.

/// A 1-minimal sublist of `items` for which `fails` holds (`fails(items)` is assumed).
pub fn ddmin<T: Clone>(items: Vec<T>, fails: &mut dyn FnMut(&[T]) -> bool) -> Vec<T> {
    let mut current = items;
    if current.is_empty() {
        return current;
    }
    // The empty list first: a violation that needs no fault at all.
    if fails(&[]) {
        return Vec::new();
    }
    let mut n = 2usize;
    while current.len() >= 2 {
        let chunk = current.len().div_ceil(n);
        let chunks: Vec<Vec<T>> = current.chunks(chunk).map(<[T]>::to_vec).collect();
        let mut reduced = false;
        // Each subset alone, then each complement.
        for c in &chunks {
            if c.len() < current.len() && fails(c) {
                current = c.clone();
                n = 2;
                reduced = true;
                break;
            }
        }
        if !reduced && chunks.len() > 2 {
            for i in 0..chunks.len() {
                let complement: Vec<T> =
                    chunks.iter().enumerate().filter(|(j, _)| *j != i).flat_map(|(_, c)| c.clone()).collect();
                if fails(&complement) {
                    current = complement;
                    n = (n - 1).max(2);
                    reduced = true;
                    break;
                }
            }
        }
        if !reduced {
            if n >= current.len() {
                break;
            }
            n = (2 * n).min(current.len());
        }
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_two_items_that_together_fail() {
        let mut tests = 0;
        let found = ddmin((0..16).collect(), &mut |s: &[u32]| {
            tests += 1;
            s.contains(&3) && s.contains(&11)
        });
        assert_eq!(found, vec![3, 11]);
        assert!(tests < 60, "{tests} tests");
    }

    #[test]
    fn an_empty_list_when_nothing_is_needed() {
        assert!(ddmin(vec![1, 2, 3], &mut |_: &[u32]| true).is_empty());
    }

    #[test]
    fn one_item_stays_when_it_alone_fails() {
        assert_eq!(ddmin(vec![5, 6, 7, 8, 9], &mut |s: &[u32]| s.contains(&8)), vec![8]);
    }
}
