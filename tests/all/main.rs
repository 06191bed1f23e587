//! The one integration-test binary: CLI tests through the built binary and protocol tests against
//! the simulator on an ephemeral loopback port. Each area has its own module; `harness` holds what
//! they share.

mod apply;
mod apply_support;
mod beyond;
mod check_cli;
mod check_fixtures;
mod check_properties;
mod check_regressions;
mod check_report;
mod client;
mod client_mock;
mod client_secrets;
mod client_sim;
mod client_sim_reads;
mod error_codes;
mod execute;
mod harness;
mod hostile_server;
mod input_caps;
mod interrupt;
mod run_lock;
mod runs;
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
mod snapshots;
mod soak;
mod split_cli;
mod template_cli;
