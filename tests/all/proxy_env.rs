//! Proxies from the environment: with `HTTPS_PROXY` set, the token request goes to the proxy as a
//! `CONNECT` for the IMS host; with that host in `NO_PROXY`, it goes direct. The "proxy" is a
//! loopback listener that records the first line of what it receives and closes.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use crate::harness;

/// A listener that records the request line of each connection; its port and the record.
fn recording_proxy() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|error| panic!("{error}"));
    let port = listener.local_addr().map(|address| address.port()).unwrap_or_else(|error| panic!("{error}"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut line = String::new();
            let _ = BufReader::new(&stream).read_line(&mut line);
            if let Ok(mut seen) = record.lock() {
                seen.push(line.trim().to_string());
            }
            // Dropping the stream refuses the tunnel.
        }
    });
    (port, seen)
}

fn doctor(dir: &std::path::Path, proxy_port: u16, no_proxy: Option<&str>) -> String {
    // IMS on a loopback port where nothing listens; UMAPI elsewhere, so that the configuration is
    // not all-loopback (which never uses a proxy).
    let closed = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or_else(|error| panic!("{error}"));
    std::fs::write(
        dir.join("umapi-bulk.toml"),
        format!(
            "org_id = \"DEMO0000000000000000000@AdobeOrg\"\nclient_id = \"c\"\n\
             ims_url = \"https://localhost:{closed}\"\numapi_url = \"https://umapi.example.test/v2/usermanagement\"\n"
        ),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    let mut command = harness::command(dir);
    command.env("UMAPI_CLIENT_SECRET", "s").env("HTTPS_PROXY", format!("http://127.0.0.1:{proxy_port}"));
    if let Some(no_proxy) = no_proxy {
        command.env("no_proxy", no_proxy);
    }
    let output = command.arg("doctor").output().unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(output.status.code(), Some(3));
    String::from_utf8_lossy(&output.stdout).to_string()
}

#[test]
fn https_proxy_is_used_and_no_proxy_bypasses_it() {
    let dir = harness::temp_dir();
    let (port, seen) = recording_proxy();
    let stdout = doctor(dir.path(), port, None);
    let lines = seen.lock().map(|seen| seen.clone()).unwrap_or_default();
    assert!(lines.iter().any(|line| line.starts_with("CONNECT localhost:")), "{lines:?}\n{stdout}");

    let (port, seen) = recording_proxy();
    let stdout = doctor(dir.path(), port, Some("localhost"));
    let lines = seen.lock().map(|seen| seen.clone()).unwrap_or_default();
    assert!(lines.is_empty(), "NO_PROXY was not honoured: {lines:?}");
    assert!(stdout.contains("IMS token") && stdout.contains("Connect"), "{stdout}");
}
