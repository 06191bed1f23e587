//! Fault injection (`--fault-rate`, `--seed`): which UMAPI requests fail, how, and when.
//!
//! The n-th UMAPI request to arrive (IMS, `/status` and `/_sim` are never faulted) gets a decision
//! that depends only on the seed and n, so a run is reproducible from `--seed` whatever the timing.
//! A fault is a 502, a 503 (half of them with `Retry-After: 1`), a 504, or a connection closed
//! without an answer, and it strikes either BEFORE the request is applied (nothing changed) or
//! AFTER it was applied (the org changed, the client never learns it) — clients must cope with both.
//!
//! The generator is SplitMix64 over (seed, n) ([`super::dice`]), so that the fault sequence of a
//! seed never changes when a dependency is upgraded. The wider fault menu (`--fault KIND=RATE`) is
//! [`super::fault_menu`]; it draws from other streams, so this sequence stays what it was.

use super::dice::{splitmix64, unit};

/// What the client sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FaultKind {
    /// 502 Bad Gateway.
    BadGateway,
    /// 503 Service Unavailable, with or without `Retry-After: 1`.
    Unavailable {
        /// Whether the answer carries `Retry-After: 1`.
        retry_after: bool,
    },
    /// 504 Gateway Timeout.
    GatewayTimeout,
    /// The connection is closed without an answer.
    DropConnection,
}

impl FaultKind {
    /// For logs: `502`, `503`, `504` or `dropped connection`.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::BadGateway => "502",
            Self::Unavailable { retry_after: true } => "503 with Retry-After",
            Self::Unavailable { retry_after: false } => "503",
            Self::GatewayTimeout => "504",
            Self::DropConnection => "dropped connection",
        }
    }
}

/// When the fault strikes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FaultTiming {
    /// Before the request is applied: nothing changed.
    BeforeApplying,
    /// After the request was applied: the state changed but the answer is lost.
    AfterApplying,
}

/// One fault decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fault {
    /// What the client sees.
    pub(crate) kind: FaultKind,
    /// When it strikes.
    pub(crate) timing: FaultTiming,
    /// The request's arrival number (0-based), for logs.
    pub(crate) arrival: u64,
}

/// The seeded source of fault decisions.
#[derive(Clone, Debug)]
pub(crate) struct FaultDice {
    seed: u64,
    rate: f64,
    arrivals: u64,
}

impl FaultDice {
    /// Dice that fault `rate` (0.0–1.0) of the requests.
    pub(crate) fn new(seed: u64, rate: f64) -> Self {
        Self { seed, rate: if rate.is_finite() { rate.clamp(0.0, 1.0) } else { 0.0 }, arrivals: 0 }
    }

    /// How many requests arrived so far (the number of the next one).
    pub(crate) fn arrivals(&self) -> u64 {
        self.arrivals
    }

    /// The decision for the next request to arrive.
    pub(crate) fn next(&mut self) -> Option<Fault> {
        let arrival = self.arrivals;
        self.arrivals += 1;
        decide(self.seed, self.rate, arrival)
    }
}

/// The decision for request number `arrival`.
fn decide(seed: u64, rate: f64, arrival: u64) -> Option<Fault> {
    let base = splitmix64(seed ^ splitmix64(arrival));
    if rate <= 0.0 || unit(base) >= rate {
        return None;
    }
    let pick = splitmix64(base);
    let kind = match pick % 8 {
        0 | 1 => FaultKind::BadGateway,
        2 => FaultKind::Unavailable { retry_after: true },
        3 => FaultKind::Unavailable { retry_after: false },
        4 | 5 => FaultKind::GatewayTimeout,
        _ => FaultKind::DropConnection,
    };
    let timing = if (pick >> 8) & 1 == 0 { FaultTiming::BeforeApplying } else { FaultTiming::AfterApplying };
    Some(Fault { kind, timing, arrival })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sequence(seed: u64, rate: f64, count: usize) -> Vec<Option<Fault>> {
        let mut dice = FaultDice::new(seed, rate);
        (0..count).map(|_| dice.next()).collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_faults_and_another_seed_other_ones() {
        assert_eq!(sequence(7, 0.3, 200), sequence(7, 0.3, 200));
        assert_ne!(sequence(7, 0.3, 200), sequence(8, 0.3, 200));
    }

    #[test]
    fn the_rate_is_respected_and_every_kind_and_timing_occurs() {
        let faults: Vec<Fault> = sequence(42, 0.25, 4000).into_iter().flatten().collect();
        let share = faults.len() as f64 / 4000.0;
        assert!((0.22..0.28).contains(&share), "share {share}");
        for kind in [
            FaultKind::BadGateway,
            FaultKind::Unavailable { retry_after: true },
            FaultKind::Unavailable { retry_after: false },
            FaultKind::GatewayTimeout,
            FaultKind::DropConnection,
        ] {
            assert!(faults.iter().any(|fault| fault.kind == kind), "{kind:?}");
        }
        let before = faults.iter().filter(|fault| fault.timing == FaultTiming::BeforeApplying).count();
        assert!(before > faults.len() / 3 && before < faults.len() * 2 / 3, "{before} of {}", faults.len());
    }

    #[test]
    fn rate_zero_never_faults_and_rate_one_always_does() {
        assert!(sequence(1, 0.0, 500).iter().all(Option::is_none));
        assert!(sequence(1, 1.0, 500).iter().all(Option::is_some));
        assert!(sequence(1, f64::NAN, 10).iter().all(Option::is_none));
    }
}
