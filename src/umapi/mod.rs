//! The wire protocol and the client side of UMAPI and IMS: request/response types ([`wire`]),
//! and (later) authentication, the HTTP client, the retry policy and the throttle.

pub mod wire;
