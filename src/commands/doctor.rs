//! `umapi-bulk doctor [--sim]`: checks, one line each with ✓ or ✗ (and a hint under a ✗), what a
//! run needs to reach the org: the configuration (org id shape, URLs), where the client secret
//! comes from (never the secret), an access token from IMS, one groups read from UMAPI, and for the
//! JWT flow the clock against IMS's. A step that cannot run because an earlier one failed is shown
//! as skipped. Exit 0 when every check passed, 3 otherwise. The lines go to stdout (they are the
//! command's output); nothing is written anywhere else.

use std::time::{Duration, SystemTime};

use crate::exit_status::ExitStatus;
use crate::hint::hint_of;
use crate::printer::Printer;
use crate::settings::config::{ORG_ID_HINT, org_id_problem};
use crate::settings::secret_source::SecretSource;
use crate::settings::{AuthMethod, Config, DoctorSettings};
use crate::umapi::client::{ClientOptions, UmapiClient, is_loopback};
use crate::umapi::{CancelToken, ClientError};

/// Largest clock difference with IMS the JWT flow tolerates here.
const CLOCK_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// The outcome of one check.
enum Check {
    Pass(String),
    Fail { text: String, hint: Option<String> },
    Skip(String),
}

struct Report<'a> {
    printer: &'a Printer,
    failed: bool,
}

impl Report<'_> {
    fn line(&mut self, name: &str, check: Check) -> anyhow::Result<()> {
        let text = match check {
            Check::Pass(text) => format!("✓ {name}: {text}"),
            Check::Skip(text) => format!("- {name}: {text}"),
            Check::Fail { text, hint } => {
                self.failed = true;
                match hint {
                    Some(hint) => format!("✗ {name}: {text}\n    hint: {hint}"),
                    None => format!("✗ {name}: {text}"),
                }
            }
        };
        self.printer.data(&format!("{text}\n"))
    }
}

fn failure(error: &anyhow::Error) -> Check {
    // The chain in one line, each cause once (a hint wrapper repeats its error's message).
    let mut parts: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
    }
    Check::Fail { text: parts.join(": "), hint: hint_of(error).map(str::to_string) }
}

fn client_failure(error: ClientError) -> Check {
    let hint = error.hint();
    Check::Fail { text: error.to_string(), hint }
}

/// Runs the checks.
pub async fn run(printer: &Printer, settings: DoctorSettings) -> anyhow::Result<ExitStatus> {
    let mut report = Report { printer, failed: false };
    let (config, simulator) = match settings {
        DoctorSettings::Simulator(target) => {
            let org = super::Org::connect(printer, &target).await?;
            (org.config.clone(), Some(org))
        }
        DoctorSettings::Org(Ok(config)) => (*config, None),
        DoctorSettings::Org(Err(error)) => {
            report.line("configuration", failure(&error))?;
            for name in ["client secret", "IMS token", "UMAPI access", "clock"] {
                report.line(name, Check::Skip("not checked (no usable configuration)".to_string()))?;
            }
            return Ok(ExitStatus::AuthOrConnection);
        }
    };
    let ready = check_configuration(&mut report, &config)?;
    let secret_ready = check_secret(&mut report, &config)?;
    let client = if ready && secret_ready {
        match UmapiClient::new(&config.client(), ClientOptions::default()) {
            Ok(client) => Some(client),
            Err(error) => {
                report.line("client", client_failure(error))?;
                None
            }
        }
    } else {
        None
    };
    let stop = CancelToken::new();
    let mut token_ok = false;
    match &client {
        Some(client) => match client.check_token(&stop).await {
            Ok(()) => {
                token_ok = true;
                report.line("IMS token", Check::Pass(format!("issued by {}", client.token_url())))?;
            }
            Err(error) => report.line("IMS token", client_failure(error))?,
        },
        None => report.line("IMS token", Check::Skip("not checked (see above)".to_string()))?,
    }
    match &client {
        Some(client) if token_ok => match client.check_access(&stop).await {
            Ok(groups) => report.line(
                "UMAPI access",
                Check::Pass(format!("read the org's groups at {} ({groups} on the first page)", client.base_url())),
            )?,
            Err(error) => report.line("UMAPI access", client_failure(error))?,
        },
        _ => report.line("UMAPI access", Check::Skip("not checked (see above)".to_string()))?,
    }
    match (&client, config.auth) {
        (_, AuthMethod::Oauth) => report.line(
            "clock",
            Check::Skip("not needed for OAuth Server-to-Server (only the JWT flow signs times)".to_string()),
        )?,
        (Some(client), AuthMethod::Jwt) => report.line("clock", check_clock(client.ims_clock().await))?,
        (None, AuthMethod::Jwt) => report.line("clock", Check::Skip("not checked (see above)".to_string()))?,
    }
    if let Some(org) = simulator {
        org.shutdown(printer).await;
    }
    Ok(if report.failed { ExitStatus::AuthOrConnection } else { ExitStatus::Success })
}

fn check_configuration(report: &mut Report<'_>, config: &Config) -> anyhow::Result<bool> {
    let source = config.source.as_ref().map_or_else(|| "built in".to_string(), |path| path.display().to_string());
    let mut problems = Vec::new();
    let mut hints = Vec::new();
    if let Some(problem) = org_id_problem(config.org_id.trim()) {
        problems.push(problem);
        hints.push(ORG_ID_HINT.to_string());
    }
    for (key, value) in [("ims_url", &config.ims_url), ("umapi_url", &config.umapi_url)] {
        match url::Url::parse(value) {
            Err(error) => {
                problems.push(format!("{key} = {value:?} is not a URL ({error})"));
                hints.push(format!("{key} looks like https://host[/path]"));
            }
            Ok(url) if url.scheme() != "https" && !is_loopback(value) => {
                problems.push(format!("{key} = {value:?} is not https"));
                hints.push(format!("{key} must use https:// (plain http only to 127.0.0.1 or localhost)"));
            }
            Ok(_) => {}
        }
    }
    let auth = match config.auth {
        AuthMethod::Oauth => "OAuth Server-to-Server",
        AuthMethod::Jwt => "JWT service account (legacy)",
    };
    let check = if problems.is_empty() {
        let ca = config.ca_file.as_ref().map(|path| format!(", extra CA {}", path.display())).unwrap_or_default();
        Check::Pass(format!(
            "{source}: org {}, client {}, {auth}; IMS {}, UMAPI {}{ca}",
            config.org_id, config.client_id, config.ims_url, config.umapi_url
        ))
    } else {
        Check::Fail { text: format!("{source}: {}", problems.join("; ")), hint: Some(hints.join("; ")) }
    };
    let passed = problems.is_empty();
    report.line("configuration", check)?;
    Ok(passed)
}

fn check_secret(report: &mut Report<'_>, config: &Config) -> anyhow::Result<bool> {
    let check = match config.secret_source {
        SecretSource::None => Check::Fail {
            text: "no client secret: not in UMAPI_CLIENT_SECRET, no client_secret_command, none in the keychain \
                   for this client id, none in the file"
                .to_string(),
            hint: crate::umapi::ConfigError::MissingSecret.hint(),
        },
        SecretSource::File => Check::Pass(format!(
            "from {} (it works; the environment, client_secret_command or `umapi-bulk secret set` keep it out of \
             the file)",
            SecretSource::File.describe()
        )),
        source => Check::Pass(format!("from {}", source.describe())),
    };
    let passed = !matches!(check, Check::Fail { .. });
    report.line("client secret", check)?;
    Ok(passed)
}

fn check_clock(server: Result<SystemTime, String>) -> Check {
    let server = match server {
        Ok(server) => server,
        Err(error) => {
            return Check::Fail {
                text: format!("cannot read IMS's clock: {error}"),
                hint: Some("check ims_url and the network".to_string()),
            };
        }
    };
    let now = SystemTime::now();
    let (skew, ahead) = match now.duration_since(server) {
        Ok(ahead) => (ahead, true),
        Err(behind) => (behind.duration(), false),
    };
    let direction = if ahead { "ahead of" } else { "behind" };
    if skew > CLOCK_TOLERANCE {
        Check::Fail {
            text: format!("this machine's clock is {} s {direction} IMS's", skew.as_secs()),
            hint: Some("set the clock (NTP): the JWT's times are checked against IMS's".to_string()),
        }
    } else {
        Check::Pass(format!("within {} s of IMS's", skew.as_secs()))
    }
}
