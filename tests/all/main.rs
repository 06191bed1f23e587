//! The one integration-test binary: CLI tests through the built binary and protocol tests against
//! the simulator on an ephemeral loopback port. Each area has its own module; `harness` holds what
//! they share.

mod client;
mod client_mock;
mod execute;
mod harness;
