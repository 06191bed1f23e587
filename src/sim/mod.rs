//! The built-in UMAPI + IMS simulator: org state, command semantics, throttle windows and faults,
//! served with axum on loopback.
