//! Uniform sampling from ChaCha8, written out so that it never changes.

use rand_chacha::ChaCha8Rng;
use rand_core::Rng;

pub(crate) struct Sampler {
    rng: ChaCha8Rng,
}

impl Sampler {
    pub(crate) fn new(rng: ChaCha8Rng) -> Sampler {
        Sampler { rng }
    }

    /// Uniform in `0..n` (n > 0), without bias: Lemire's widening multiply,
    /// rejecting the few low products that would favour some results.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        let threshold = n.wrapping_neg() % n;
        loop {
            let wide = u128::from(self.rng.next_u64()) * u128::from(n);
            if (wide as u64) >= threshold {
                return (wide >> 64) as u64;
            }
        }
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `p` (clamped to 0..=1), from the top 53 bits.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        let unit = (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        unit < p
    }
}
