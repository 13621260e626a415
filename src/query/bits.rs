//! Bitsets as plain words: the files and sections a pass matches are marked
//! per segment, then merged and counted (distinct documents, facet counts).

/// An empty bitset for values `0..len`.
pub fn empty(len: usize) -> Vec<u64> {
    vec![0; len.div_ceil(64)]
}

/// Marks value `i`.
pub fn set(words: &mut [u64], i: u32) {
    words[(i / 64) as usize] |= 1 << (i % 64);
}

/// Whether value `i` is marked.
pub fn has(words: &[u64], i: u32) -> bool {
    words[(i / 64) as usize] & (1 << (i % 64)) != 0
}

/// Marks in `into` every value marked in `from`.
pub fn union_into(into: &mut [u64], from: &[u64]) {
    for (a, b) in into.iter_mut().zip(from) {
        *a |= b;
    }
}

/// How many values are marked.
pub fn count(words: &[u64]) -> usize {
    words.iter().map(|w| w.count_ones() as usize).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_merge_and_count() {
        let mut a = empty(130);
        assert_eq!(a.len(), 3);
        set(&mut a, 0);
        set(&mut a, 129);
        let mut b = empty(130);
        set(&mut b, 64);
        set(&mut b, 129);
        union_into(&mut a, &b);
        assert!(has(&a, 64) && has(&a, 129) && !has(&a, 1));
        assert_eq!(count(&a), 3);
    }
}
