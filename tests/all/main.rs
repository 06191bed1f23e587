//! The one integration-test binary: CLI tests through the built binary and protocol tests against
//! the simulator on an ephemeral loopback port. Each area has its own module; `harness` holds what
//! they share.

mod harness;
mod sim_actions;
mod sim_cli;
mod sim_faults;
mod sim_ims;
mod sim_licences;
mod sim_reads;
mod sim_scenario;
mod sim_support;
mod sim_throttle;
mod sim_validation;
