//! A plain word found with ASCII case ignored: `grep -i error`, the
//! commonest search after a plain one.
//!
//! The regex engine takes such a pattern as 2^n literals (one per way of
//! writing each letter) and pays a start-up cost on every call; with a hit
//! on every third line of a log that cost was most of the search (512 MiB:
//! 0.30 s against 0.12 s here). This finder checks the needle's first and
//! last bytes 32 positions at a time, each haystack byte folded to lower
//! case by setting bit 0x20 where the needle has a letter, and compares the
//! whole needle only where both agree.

/// A needle to find with ASCII letters in either case; other bytes,
/// non-ASCII ones included, match only themselves (the C locale's `-i`).
#[derive(Clone, Debug)]
pub struct Caseless {
    /// The needle, lower-cased.
    lower: Box<[u8]>,
    /// For each byte of the needle, 0x20 where it is a letter (OR-ing it
    /// into a haystack byte folds that byte's case), else 0.
    fold: Box<[u8]>,
}

impl Caseless {
    /// A finder of `needle`, which must not be empty.
    pub fn new(needle: &[u8]) -> Caseless {
        assert!(!needle.is_empty(), "an empty needle matches everywhere; no finder is needed");
        let lower: Box<[u8]> = needle.iter().map(u8::to_ascii_lowercase).collect();
        let fold = lower.iter().map(|b| if b.is_ascii_lowercase() { 0x20 } else { 0 }).collect();
        Caseless { lower, fold }
    }

    /// The needle's length in bytes.
    pub fn needle_len(&self) -> usize {
        self.lower.len()
    }

    /// Where `needle` first occurs in `hay`.
    #[inline]
    pub fn find(&self, hay: &[u8]) -> Option<usize> {
        let n = self.lower.len();
        let last = hay.len().checked_sub(n)?;
        #[cfg(target_arch = "x86_64")]
        if last >= 32 && std::arch::is_x86_feature_detected!("avx2") {
            // Safety: the CPU has AVX2, checked just above.
            #[allow(unsafe_code)]
            return unsafe { self.find_avx2(hay) };
        }
        self.find_led(hay, last)
    }

    /// Whether `hay[k..]` starts with the needle; `k + len() <= hay.len()`.
    #[inline]
    fn at(&self, hay: &[u8], k: usize) -> bool {
        let window = &hay[k..k + self.lower.len()];
        window.iter().zip(&self.lower).zip(&self.fold).all(|((&h, &n), &f)| h | f == n)
    }

    /// The first start up to `last` where the needle occurs, led by memchr
    /// on its first byte in both cases.
    fn find_led(&self, hay: &[u8], last: usize) -> Option<usize> {
        let first = self.lower[0];
        memchr::memchr2_iter(first, first.to_ascii_uppercase(), &hay[..=last]).find(|&k| self.at(hay, k))
    }

    /// [`Caseless::find`] on a haystack with at least 32 starts.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[allow(unsafe_code)]
    unsafe fn find_avx2(&self, hay: &[u8]) -> Option<usize> {
        use std::arch::x86_64::{
            __m256i, _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256,
            _mm256_set1_epi8,
        };
        let n = self.lower.len();
        let last = hay.len() - n;
        let byte = |b: u8| _mm256_set1_epi8(b as i8);
        let (first, first_fold) = (byte(self.lower[0]), byte(self.fold[0]));
        let (end, end_fold) = (byte(self.lower[n - 1]), byte(self.fold[n - 1]));
        // 32 starts from `at`: bit i set where both ends agree at `at + i`.
        let block = |at: usize| {
            // Safety: `at + 31 <= last`, so the loads end at
            // `last + n - 1 < hay.len()`.
            let (a, b) = unsafe {
                let p = hay.as_ptr().add(at);
                (_mm256_loadu_si256(p.cast::<__m256i>()), _mm256_loadu_si256(p.add(n - 1).cast::<__m256i>()))
            };
            let a = _mm256_cmpeq_epi8(_mm256_or_si256(a, first_fold), first);
            let b = _mm256_cmpeq_epi8(_mm256_or_si256(b, end_fold), end);
            _mm256_movemask_epi8(_mm256_and_si256(a, b)) as u32
        };
        let mut at = 0;
        while at + 31 <= last {
            let mut hits = block(at);
            while hits != 0 {
                let k = at + hits.trailing_zeros() as usize;
                if self.at(hay, k) {
                    return Some(k);
                }
                hits &= hits - 1;
            }
            at += 32;
        }
        // The last starts, fewer than 32: the block that ends on the last,
        // less the starts searched already.
        if at <= last {
            let tail = last - 31;
            let mut hits = block(tail) & (u32::MAX << (at - tail));
            while hits != 0 {
                let k = tail + hits.trailing_zeros() as usize;
                if self.at(hay, k) {
                    return Some(k);
                }
                hits &= hits - 1;
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Every start where a regex with ASCII case ignored finds the needle:
    /// the reference.
    fn reference(needle: &[u8], hay: &[u8]) -> Option<usize> {
        let escaped: String = needle.iter().map(|&b| format!("\\x{b:02x}")).collect();
        let re = regex::bytes::RegexBuilder::new(&escaped).case_insensitive(true).unicode(false).build().unwrap();
        re.find(hay).map(|m| m.start())
    }

    #[test]
    fn folds_letters_only() {
        let f = Caseless::new(b"Error@[");
        assert_eq!(f.find(b"xx eRRoR@[ yy"), Some(3));
        // '`' and '{' are '@' and '[' with bit 0x20 set: not the same.
        assert_eq!(f.find(b"error`{ error@{ error`["), None);
        // Non-ASCII bytes that differ by 0x20 are not folded either.
        assert_eq!(Caseless::new(b"\xc9").find(b"\xe9"), None);
    }

    #[test]
    fn finds_at_every_place_in_a_long_haystack() {
        let f = Caseless::new(b"ErRor");
        for len in [5, 36, 37, 63, 64, 65, 100] {
            for k in 0..=len - 5 {
                let mut hay = vec![b'e'; len];
                hay[k..k + 5].copy_from_slice(b"eRROR");
                assert_eq!(f.find(&hay), Some(k), "length {len}, at {k}");
                hay[k + 4] = b'x';
                assert_eq!(f.find(&hay), None, "length {len}, at {k}, spoilt");
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn agrees_with_a_caseless_regex(
            needle in proptest::collection::vec(prop::sample::select(b"eErR@`[{\xc9\xe9 ".to_vec()), 1..6),
            hay in proptest::collection::vec(prop::sample::select(b"eErR@`[{\xc9\xe9 \n".to_vec()), 0..160),
        ) {
            prop_assert_eq!(Caseless::new(&needle).find(&hay), reference(&needle, &hay));
        }
    }
}
