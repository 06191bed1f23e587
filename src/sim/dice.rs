//! The simulator's seeded randomness: SplitMix64 over (seed, stream, number), written out here
//! rather than taken from `rand` so that what a seed does never changes when a dependency is
//! upgraded. Every decision depends only on the seed, a stream (what is being decided) and a number
//! (the request's or user's order), so a run is reproducible from `--seed` whatever the timing.

/// One SplitMix64 step.
pub(crate) fn splitmix64(mut state: u64) -> u64 {
    state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut mixed = state;
    mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    mixed ^ (mixed >> 31)
}

/// A uniform number in [0, 1) from the top 53 bits.
pub(crate) fn unit(value: u64) -> f64 {
    (value >> 11) as f64 / (1u64 << 53) as f64
}

/// What a decision is about; each stream draws its own numbers from the same seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub(crate) enum Stream {
    /// The order commands of an action request run in.
    CommandOrder = 1,
    /// HTTP 500 in the middle of a batch.
    MidBatch = 2,
    /// 403 `error.organization.migrating`.
    Migrating = 3,
    /// A command failing with a service error.
    CommandError = 4,
    /// A slow answer after the change was applied.
    SlowAnswer = 5,
    /// 429 from IMS.
    ImsThrottle = 6,
    /// The session throttle's Retry-After.
    SessionWait = 7,
    /// Synthetic users.
    Synthetic = 8,
}

/// The random number for `number` in `stream` under `seed`.
pub(crate) fn roll(seed: u64, stream: Stream, number: u64) -> u64 {
    splitmix64(seed ^ splitmix64((stream as u64).wrapping_mul(0xA24B_AED4_963E_E407) ^ splitmix64(number)))
}

/// Whether `number` in `stream` is struck at `rate` (0.0–1.0).
pub(crate) fn strikes(seed: u64, stream: Stream, number: u64, rate: f64) -> bool {
    rate > 0.0 && unit(roll(seed, stream, number)) < rate
}

/// A stable 64-bit hash of bytes (FNV-1a), to seed decisions by content.
pub(crate) fn content_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xCBF2_9CE4_8422_2325, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01B3))
}

/// The order to run `count` commands in, for a request whose body hashes to `content`: a
/// Fisher–Yates shuffle. The same body gets the same order, so a retried request runs as it ran.
pub(crate) fn permutation(seed: u64, content: u64, count: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..count).collect();
    let mut state = roll(seed, Stream::CommandOrder, content);
    for index in (1..count).rev() {
        state = splitmix64(state);
        let pick = (state % (index as u64 + 1)) as usize;
        order.swap(index, pick);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutations_are_reproducible_complete_and_not_always_the_identity() {
        for number in 0..50 {
            let order = permutation(7, number, 10);
            assert_eq!(order, permutation(7, number, 10));
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..10).collect::<Vec<_>>());
        }
        let shuffled = (0..50).filter(|number| permutation(7, *number, 10) != (0..10).collect::<Vec<_>>()).count();
        assert!(shuffled > 45, "{shuffled}");
        assert_ne!(permutation(7, 3, 10), permutation(8, 3, 10));
    }

    #[test]
    fn content_hashes_tell_bodies_apart() {
        assert_eq!(content_hash(b"[1]"), content_hash(b"[1]"));
        assert_ne!(content_hash(b"[1]"), content_hash(b"[2]"));
    }

    #[test]
    fn streams_are_independent_and_rates_hold() {
        let hits = (0..10_000).filter(|number| strikes(1, Stream::MidBatch, *number, 0.2)).count();
        assert!((1_800..2_200).contains(&hits), "{hits}");
        let same = (0..1000).filter(|number| roll(1, Stream::MidBatch, *number) == roll(1, Stream::Migrating, *number));
        assert_eq!(same.count(), 0);
        assert!((0..100).all(|number| !strikes(1, Stream::SlowAnswer, number, 0.0)));
    }
}
