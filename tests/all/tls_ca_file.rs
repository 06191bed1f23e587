//! HTTPS with an extra CA (`ca_file`), against a local HTTPS endpoint the test makes: a TLS
//! terminator on 127.0.0.1 (tokio-rustls, the `fixtures/tls` server certificate for localhost,
//! signed by the test CA that nothing else trusts) in front of the simulator. Without `ca_file`
//! the certificate is refused as an unknown issuer, at once, with a hint naming `ca_file`; with it,
//! `doctor` gets a token and reads the org through TLS.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};

use crate::harness;

/// Accepts TLS on an ephemeral loopback port and pipes each connection to `backend`.
async fn tls_terminator(backend: std::net::SocketAddr) -> std::net::SocketAddr {
    let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(harness::fixture("tls/server.pem"))
        .unwrap_or_else(|error| panic!("server.pem: {error}"))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|error| panic!("server.pem: {error}"));
    let key = PrivateKeyDer::from_pem_file(harness::fixture("tls/server.key"))
        .unwrap_or_else(|error| panic!("server.key: {error}"));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|error| panic!("{error}"))
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .unwrap_or_else(|error| panic!("{error}"));
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|error| panic!("{error}"));
    let address = listener.local_addr().unwrap_or_else(|error| panic!("{error}"));
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses our certificate ends the handshake: nothing to pipe.
                let Ok(mut tls) = acceptor.accept(socket).await else { return };
                let Ok(mut plain) = TcpStream::connect(backend).await else { return };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    address
}

fn write_config(dir: &std::path::Path, port: u16, ca_file: bool) {
    let mut text = format!(
        "org_id = \"DEMO0000000000000000000@AdobeOrg\"\nclient_id = \"demo-client\"\n\
         ims_url = \"https://localhost:{port}\"\numapi_url = \"https://localhost:{port}/v2/usermanagement\"\n"
    );
    if ca_file {
        let ca = harness::fixture("tls/ca.pem");
        text.push_str(&format!("ca_file = {:?}\n", ca.display().to_string()));
    }
    std::fs::write(dir.join("umapi-bulk.toml"), text).unwrap_or_else(|error| panic!("{error}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_ca_is_refused_without_ca_file_and_trusted_with_it() {
    let sim = umapi_bulk::sim::start(umapi_bulk::sim::SimOptions::unlimited(
        umapi_bulk::sim::demo_state().unwrap_or_else(|error| panic!("{error}")),
    ))
    .await
    .unwrap_or_else(|error| panic!("{error:#}"));
    let backend = sim.base_url().trim_start_matches("http://").parse().unwrap_or_else(|error| panic!("{error}"));
    let port = tls_terminator(backend).await.port();
    let dir = harness::temp_dir();

    write_config(dir.path(), port, false);
    let started = Instant::now();
    let output = harness::command(dir.path())
        .env("UMAPI_CLIENT_SECRET", "demo-secret")
        .args(["doctor"])
        .output()
        .unwrap_or_else(|error| panic!("{error}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(3), "{stdout}");
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    let token_line = stdout.lines().find(|line| line.contains("IMS token")).unwrap_or_default();
    assert!(token_line.starts_with("✗") && token_line.contains("UnknownIssuer"), "{stdout}");
    assert!(stdout.contains("hint:") && stdout.contains("ca_file"), "{stdout}");
    assert!(!stdout.contains("refused the credentials"), "{stdout}");

    write_config(dir.path(), port, true);
    let output = harness::command(dir.path())
        .env("UMAPI_CLIENT_SECRET", "demo-secret")
        .args(["doctor"])
        .output()
        .unwrap_or_else(|error| panic!("{error}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains(&format!("✓ IMS token: issued by https://localhost:{port}/ims/token/v3")), "{stdout}");
    assert!(stdout.contains("✓ UMAPI access"), "{stdout}");
    assert!(stdout.contains("extra CA"), "{stdout}");
    sim.shutdown().await;
}

#[test]
fn a_ca_file_without_certificates_is_refused_naming_the_key() {
    let dir = harness::temp_dir();
    std::fs::write(dir.path().join("not-a-ca.pem"), "hello").unwrap_or_else(|error| panic!("{error}"));
    std::fs::write(
        dir.path().join("umapi-bulk.toml"),
        "org_id = \"DEMO0000000000000000000@AdobeOrg\"\nclient_id = \"c\"\nca_file = \"not-a-ca.pem\"\n",
    )
    .unwrap_or_else(|error| panic!("{error}"));
    let output = harness::umapi_bulk(dir.path())
        .args(["export", "users", "-o", "-"])
        .output()
        .unwrap_or_else(|error| panic!("{error}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("ca_file") && stderr.contains("no usable PEM certificate"), "{stderr}");
}
