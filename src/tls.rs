//! HTTPS for every HTTP client of the crate (UMAPI and IMS, the webhook): rustls with the `ring`
//! crypto provider (no OpenSSL, no aws-lc: the crate builds on a machine with only Rust), the
//! operating system's trust store through `rustls-platform-verifier` (so a company's TLS-inspecting
//! proxy, whose CA the OS trusts, works), and optionally an extra CA certificate in PEM (the
//! configuration's `ca_file`, the same key the SMTP notifier takes as `extra_ca_pem`).
//!
//! Proxies come from the environment as reqwest reads them: `HTTPS_PROXY`, `HTTP_PROXY`,
//! `ALL_PROXY` and `NO_PROXY`, upper or lower case. Connecting (name lookup, TCP and the TLS
//! handshake) is bounded by [`CONNECT_TIMEOUT`], so an unreachable host fails in seconds.
//!
//! Also here: reading a transport error for people ([`describe`]) and telling a certificate
//! problem apart ([`certificate_problem`]). A leaf module: it imports nothing of the crate.

use std::time::Duration;

/// Longest time to set up a connection (name lookup, TCP connect, TLS handshake).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The HTTPS set-up could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The extra CA file holds no PEM certificate, or one that does not parse.
    #[error("the CA file holds no usable PEM certificate: {0}")]
    BadCaFile(String),
    /// reqwest refused the builder (the platform verifier could not start).
    #[error("cannot set up HTTPS: {0}")]
    Builder(String),
}

/// Installs `ring` as the process's rustls crypto provider (once; later calls do nothing).
pub fn install_crypto_provider() {
    // Err means a provider is installed already (by an earlier call): that one is ring too.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The certificates of a PEM bundle, checked: at least one, each parseable.
pub fn certificates(pem: &[u8]) -> Result<Vec<reqwest::Certificate>, TlsError> {
    let certificates =
        reqwest::Certificate::from_pem_bundle(pem).map_err(|error| TlsError::BadCaFile(describe(&error)))?;
    if certificates.is_empty() {
        return Err(TlsError::BadCaFile("no -----BEGIN CERTIFICATE----- block".to_string()));
    }
    Ok(certificates)
}

/// A reqwest client builder with the crate's TLS set-up: the OS trust store plus `extra_ca_pem`,
/// the connect timeout, and the user agent. Proxies from the environment stay on.
pub fn client_builder(extra_ca_pem: Option<&[u8]>) -> Result<reqwest::ClientBuilder, TlsError> {
    install_crypto_provider();
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("umapi-bulk/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT);
    if let Some(pem) = extra_ca_pem {
        builder = builder.tls_certs_merge(certificates(pem)?);
    }
    Ok(builder)
}

/// Builds a client from [`client_builder`] after `adjust` (timeouts, proxy choice).
pub fn build(
    extra_ca_pem: Option<&[u8]>,
    adjust: impl FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder,
) -> Result<reqwest::Client, TlsError> {
    adjust(client_builder(extra_ca_pem)?).build().map_err(|error| TlsError::Builder(describe(&error)))
}

/// A transport error and its causes in one line, each cause said once.
pub fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// What is wrong with the server's certificate, when that is why a connection failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertificateProblem {
    /// Signed by a CA this machine does not trust (a TLS-inspecting proxy, a private CA).
    UnknownIssuer,
    /// Any other refusal of the certificate (expired, wrong name, ...), as rustls says it.
    Other(String),
}

/// The certificate problem behind a transport error, if that is what it is.
pub fn certificate_problem(error: &(dyn std::error::Error + 'static)) -> Option<CertificateProblem> {
    let mut cause = Some(error);
    while let Some(current) = cause {
        // io::Error hides the error it wraps from `source()`: look inside it.
        let inner = current.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()).map(|inner| inner as _);
        for candidate in [Some(current), inner].into_iter().flatten() {
            if let Some(rustls::Error::InvalidCertificate(reason)) = candidate.downcast_ref::<rustls::Error>() {
                return Some(match reason {
                    rustls::CertificateError::UnknownIssuer => CertificateProblem::UnknownIssuer,
                    other => CertificateProblem::Other(format!("{other:?}")),
                });
            }
        }
        cause = current.source();
    }
    let text = describe(error);
    if text.contains("UnknownIssuer") || text.contains("unknown issuer") {
        return Some(CertificateProblem::UnknownIssuer);
    }
    text.contains("invalid peer certificate").then_some(CertificateProblem::Other(text))
}

/// What to do about a certificate problem (names `ca_file`).
pub fn certificate_hint(problem: &CertificateProblem) -> String {
    match problem {
        CertificateProblem::UnknownIssuer => "the server's certificate is signed by a CA this machine does not trust; \
             behind a company proxy that inspects TLS, add its CA to the operating system's trust store, or name \
             its certificate (PEM) in umapi-bulk.toml: ca_file = \"/path/to/company-ca.pem\""
            .to_string(),
        CertificateProblem::Other(_) => "the server's certificate was refused; check the URL's host name and the \
             machine's clock; a company CA goes in ca_file = \"...\" (PEM) in umapi-bulk.toml"
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pem_without_certificates_is_refused() {
        assert!(matches!(certificates(b"not a pem"), Err(TlsError::BadCaFile(_))));
        assert!(matches!(certificates(b""), Err(TlsError::BadCaFile(_))));
    }

    #[test]
    fn the_test_ca_parses() {
        let pem = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/tls/ca.pem")).unwrap_or_default();
        assert_eq!(certificates(&pem).map(|certificates| certificates.len()).ok(), Some(1));
    }

    #[test]
    fn unknown_issuer_is_found_inside_io_errors() {
        let rustls_error = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, rustls_error);
        assert_eq!(certificate_problem(&io), Some(CertificateProblem::UnknownIssuer));
        let plain = std::io::Error::other("connection refused");
        assert_eq!(certificate_problem(&plain), None);
        assert!(certificate_hint(&CertificateProblem::UnknownIssuer).contains("ca_file"));
    }
}
