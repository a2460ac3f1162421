//! L1 thumbnail cache: an LRU map bounded both by entry count and by the sum of value lengths.
//!
//! The map is generic over the stored value so the same code keeps Python `bytes` objects
//! (no copy on `get`) in the binding and plain `Vec<u8>` in the Rust tests. Recency lives in the
//! `lru` crate's linked hash map; this module adds the byte budget and the counters.

use lru::LruCache;

/// Counters and gauges of one LRU, copied out under the lock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LruStats {
    pub hits: u64,
    pub misses: u64,
    pub evictions: u64,
    pub puts: u64,
    /// Values refused because a single value was larger than the whole byte budget.
    pub rejected: u64,
    pub entries: usize,
    pub bytes: usize,
    pub max_entries: usize,
    pub max_bytes: usize,
}

/// Least-recently-used map from `String` keys to values of a known byte weight.
pub struct BoundedLru<V> {
    map: LruCache<String, (V, usize)>,
    max_entries: usize,
    max_bytes: usize,
    bytes: usize,
    hits: u64,
    misses: u64,
    evictions: u64,
    puts: u64,
    rejected: u64,
}

impl<V> BoundedLru<V> {
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        Self {
            map: LruCache::unbounded(),
            max_entries,
            max_bytes,
            bytes: 0,
            hits: 0,
            misses: 0,
            evictions: 0,
            puts: 0,
            rejected: 0,
        }
    }

    /// Look a key up; a hit becomes the most recently used entry.
    pub fn get(&mut self, key: &str) -> Option<&V> {
        if let Some((value, _)) = self.map.get(key) {
            self.hits += 1;
            Some(value)
        } else {
            self.misses += 1;
            None
        }
    }

    /// Whether the key is cached, without touching recency or counters.
    pub fn contains(&self, key: &str) -> bool {
        self.map.contains(key)
    }

    /// Insert or replace `key` (it becomes the most recently used entry), then evict from the
    /// least recently used end until both bounds hold. Returns the values that left the cache
    /// (replaced, evicted, or the new value itself when it alone exceeds the byte budget) so the
    /// caller can drop them after releasing its lock.
    pub fn put(&mut self, key: String, value: V, weight: usize) -> Vec<V> {
        let mut gone = Vec::new();
        self.puts += 1;
        if let Some((old, old_weight)) = self.map.pop(key.as_str()) {
            self.bytes -= old_weight;
            gone.push(old);
        }
        if weight > self.max_bytes || self.max_entries == 0 {
            self.rejected += 1;
            gone.push(value);
            return gone;
        }
        while self.map.len() >= self.max_entries || self.bytes + weight > self.max_bytes {
            match self.map.pop_lru() {
                Some((_, (old, old_weight))) => {
                    self.bytes -= old_weight;
                    self.evictions += 1;
                    gone.push(old);
                }
                None => break,
            }
        }
        self.bytes += weight;
        self.map.put(key, (value, weight));
        gone
    }

    /// Remove a key; a missing key is fine.
    pub fn remove(&mut self, key: &str) -> Option<V> {
        let (value, weight) = self.map.pop(key)?;
        self.bytes -= weight;
        Some(value)
    }

    /// Drop every entry (counters are kept). Returns the values for dropping outside a lock.
    pub fn clear(&mut self) -> Vec<V> {
        let mut gone = Vec::with_capacity(self.map.len());
        while let Some((_, (value, _))) = self.map.pop_lru() {
            gone.push(value);
        }
        self.bytes = 0;
        gone
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Keys from most to least recently used.
    pub fn keys(&self) -> Vec<String> {
        self.map.iter().map(|(k, _)| k.clone()).collect()
    }

    pub fn stats(&self) -> LruStats {
        LruStats {
            hits: self.hits,
            misses: self.misses,
            evictions: self.evictions,
            puts: self.puts,
            rejected: self.rejected,
            entries: self.map.len(),
            bytes: self.bytes,
            max_entries: self.max_entries,
            max_bytes: self.max_bytes,
        }
    }

    /// Zero the counters (entries stay).
    pub fn reset_stats(&mut self) {
        self.hits = 0;
        self.misses = 0;
        self.evictions = 0;
        self.puts = 0;
        self.rejected = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(c: &mut BoundedLru<Vec<u8>>, k: &str, n: usize) -> Vec<Vec<u8>> {
        c.put(k.to_owned(), vec![0; n], n)
    }

    #[test]
    fn evicts_least_recently_used_by_count() {
        let mut c = BoundedLru::new(2, 1000);
        put(&mut c, "a", 1);
        put(&mut c, "b", 1);
        assert!(c.get("a").is_some()); // a is now the most recent
        put(&mut c, "c", 1);
        assert!(c.contains("a") && c.contains("c") && !c.contains("b"));
        assert_eq!(c.stats().evictions, 1);
    }

    #[test]
    fn evicts_by_bytes_and_never_exceeds_budget() {
        let mut c = BoundedLru::new(1000, 100);
        for i in 0..500 {
            put(&mut c, &format!("k{i}"), 7 + i % 13);
            assert!(c.bytes() <= 100);
        }
        let total: usize = c.keys().len();
        assert!(total > 0 && c.bytes() <= 100);
    }

    #[test]
    fn replace_updates_bytes_and_recency() {
        let mut c = BoundedLru::new(2, 1000);
        put(&mut c, "a", 10);
        put(&mut c, "b", 10);
        let gone = put(&mut c, "a", 30);
        assert_eq!(gone.len(), 1);
        assert_eq!(c.bytes(), 40);
        put(&mut c, "c", 1);
        assert!(!c.contains("b"), "b was least recent after a's re-put");
        assert_eq!(c.get("a").map(Vec::len), Some(30));
    }

    #[test]
    fn oversized_value_is_rejected_not_stored() {
        let mut c = BoundedLru::new(10, 5);
        put(&mut c, "small", 5);
        let gone = put(&mut c, "big", 6);
        assert_eq!(gone.len(), 1);
        assert!(c.contains("small") && !c.contains("big"));
        assert_eq!(c.stats().rejected, 1);
    }

    #[test]
    fn counters_and_remove_and_clear() {
        let mut c = BoundedLru::new(10, 100);
        put(&mut c, "a", 3);
        assert!(c.get("a").is_some());
        assert!(c.get("zz").is_none());
        assert!(c.remove("missing").is_none());
        assert_eq!(c.remove("a").map(|v| v.len()), Some(3));
        assert_eq!(c.bytes(), 0);
        put(&mut c, "b", 3);
        assert_eq!(c.clear().len(), 1);
        let s = c.stats();
        assert_eq!((s.hits, s.misses, s.entries, s.bytes), (1, 1, 0, 0));
        assert!(c.is_empty());
    }
}
