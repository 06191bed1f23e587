//! The wire protocol and the client side of UMAPI and IMS: request/response types ([`wire`]),
//! the checks an action answer must pass ([`answer`]), the client's configuration ([`config`]),
//! authentication ([`auth`]), the HTTP client and its request loop ([`client`]), the reads the
//! planner needs ([`reads`]), the one retry policy ([`retry`]), pacing ([`throttle`]), the sync
//! session and parking ([`session`]), counters
//! ([`stats`]), the observer interface ([`observe`]) and cancellation ([`cancel`]).
//!
//! Nothing here writes to the terminal or knows about CSV rows; `execute` builds on it.

pub mod answer;
pub mod auth;
pub mod cancel;
pub mod client;
pub mod config;
pub mod error;
pub mod observe;
pub mod probe;
pub mod reads;
pub mod request;
pub mod request_id;
pub mod retry;
pub mod session;
pub mod stats;
pub mod throttle;
pub mod wire;

pub use cancel::CancelToken;
pub use client::{ClientOptions, UmapiClient};
pub use config::{AuthMethod, Config, Limits};
pub use error::{AuthError, ClientError, ConfigError};
pub use reads::{Listing, MemberStatus, Page, PageInfo, Reach, ReadCost, membership_read_cost};
pub use request::{Answer, AttemptHook, CallError, HookError};
pub use session::SessionPhase;
