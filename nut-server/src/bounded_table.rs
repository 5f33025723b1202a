//! Bounded in-memory tables (the failed-login delays, the tracking ids): when a table is
//! full, its oldest tenth goes at once. One sort per tenth of the table instead of a scan
//! per insert, and a flood never empties the table in one go.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::Instant;

/// Remove the `max / 10` entries of `map` with the oldest `stamp`.
pub(crate) fn drop_oldest_tenth<K: Clone + Eq + Hash, V>(
    map: &mut HashMap<K, V>,
    max: usize,
    stamp: impl Fn(&V) -> Instant,
) {
    let mut by_age: Vec<(Instant, K)> = map.iter().map(|(k, v)| (stamp(v), k.clone())).collect();
    by_age.sort_unstable_by_key(|(t, _)| *t);
    for (_, k) in by_age.into_iter().take(max / 10) {
        map.remove(&k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_oldest_tenth_goes() {
        let t0 = Instant::now();
        let mut map: HashMap<u32, Instant> = (0..100u32)
            .map(|i| (i, t0 + Duration::from_secs(u64::from(99 - i))))
            .collect();
        drop_oldest_tenth(&mut map, 100, |v| *v);
        assert_eq!(map.len(), 90);
        // Keys 90..99 carried the oldest stamps.
        assert!((90..100).all(|k| !map.contains_key(&k)));
        assert!((0..90).all(|k| map.contains_key(&k)));
    }
}
