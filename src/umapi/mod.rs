//! The wire protocol and the client side of UMAPI and IMS: request/response types ([`wire`]),
//! the observer interface the client reports through ([`observe`]), and (being built)
//! authentication, the HTTP client, the retry policy and the throttle.

pub mod observe;
pub mod wire;
