//! What we read of the org: the reads planning needs ([`reads`]: the catalogue and the users the
//! rows name, chosen by cost) and the reads reporting needs ([`licences`]: who got no licence after
//! a run). Built on the UMAPI client; the results are plain data of `plan` and `report`.
//!
//! Below `commands`, beside `execute`: it may use tokio and the client, unlike the pure `plan` and
//! `report` whose types it fills. It must not print, read settings or decide exit codes.

pub mod licences;
pub mod reads;
