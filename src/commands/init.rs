//! `umapi-bulk init`: writes `umapi-bulk.toml` (or `-o FILE`, or `--config FILE`) for an org, from
//! flags, asking on a terminal for what the flags did not say. Without a terminal nothing is asked:
//! the flags `--org-id` and `--client-id` are required and the error names the missing ones.
//!
//! It never writes the client secret unless `--write-secret` asks (then with a warning, the file
//! readable by its owner only on Unix), and says where the secret can live instead: the
//! environment, `client_secret_command`, or the keychain (`umapi-bulk secret set`). An existing
//! file is kept unless `--force`. Every value is checked before anything is written: the org id's
//! shape, the URLs (https, or http to loopback), the CA file.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::{Context as _, bail};

use crate::exit_status::ExitStatus;
use crate::hint::with_hint;
use crate::printer::Printer;
use crate::secret::Secret;
use crate::settings::InitSettings;
use crate::settings::config::{DEFAULT_IMS_URL, DEFAULT_UMAPI_URL, ORG_ID_HINT, org_id_problem};
use crate::umapi::client::is_loopback;

/// Writes the file.
pub fn run(printer: &Printer, settings: InitSettings) -> anyhow::Result<ExitStatus> {
    let path = settings.output.clone();
    if path.exists() && !settings.force {
        return Err(with_hint(
            anyhow::anyhow!("{} exists already; nothing was written", path.display()),
            "add --force to replace it, or -o FILE to write another file",
        ));
    }
    let terminal = std::io::stdin().is_terminal();
    let mut settings = settings;
    if terminal {
        ask_missing(&mut settings)?;
    } else {
        let missing: Vec<&str> = [("--org-id", &settings.org_id), ("--client-id", &settings.client_id)]
            .into_iter()
            .filter(|(_, value)| value.as_deref().is_none_or(str::is_empty))
            .map(|(flag, _)| flag)
            .collect();
        if !missing.is_empty() {
            return Err(with_hint(
                anyhow::anyhow!("init cannot ask without a terminal: give {}", missing.join(" and ")),
                "umapi-bulk init --org-id 0123456789ABCDEF01234567@AdobeOrg --client-id YOUR_CLIENT_ID",
            ));
        }
    }
    let secret = match settings.write_secret.take() {
        None => None,
        Some(Some(secret)) => Some(secret),
        Some(None) if terminal => Some(ask_secret()?),
        Some(None) => bail!("--write-secret needs the secret in UMAPI_CLIENT_SECRET when there is no terminal to ask"),
    };
    let text = render(&settings, secret.as_ref())?;
    write(&path, &text, secret.is_some())?;
    printer.info(&format!("wrote {}", path.display()));
    if secret.is_some() {
        printer.warn(&format!(
            "{} holds the client secret in plain text: keep it out of version control and shared folders{}",
            path.display(),
            if cfg!(unix) { " (it is readable by you only)" } else { "" }
        ));
    } else {
        printer.info(
            "the client secret is not in the file; give it one of these ways:\n  \
             export UMAPI_CLIENT_SECRET=...              (the environment; CI secrets)\n  \
             client_secret_command = \"op read op://...\"   (in the file: a password manager prints it)\n  \
             umapi-bulk secret set                       (the operating system's keychain)",
        );
    }
    printer.info("next: `umapi-bulk doctor` checks the configuration, the secret, IMS and UMAPI");
    Ok(ExitStatus::Success)
}

fn ask_missing(settings: &mut InitSettings) -> anyhow::Result<()> {
    eprintln!("The Adobe Developer Console shows these on your project's OAuth Server-to-Server credential.");
    while settings.org_id.as_deref().is_none_or(|value| org_id_problem(value).is_some()) {
        if let Some(problem) = settings.org_id.as_deref().and_then(org_id_problem) {
            eprintln!("{problem}; {ORG_ID_HINT}");
        }
        settings.org_id = Some(ask("Organization ID (…@AdobeOrg)")?);
    }
    while settings.client_id.as_deref().is_none_or(str::is_empty) {
        settings.client_id = Some(ask("Client ID")?);
    }
    Ok(())
}

fn ask(question: &str) -> anyhow::Result<String> {
    eprint!("{question}: ");
    std::io::stderr().flush().ok();
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line).context("cannot read the answer")?;
    if read == 0 {
        bail!("no answer to {question:?} (end of input)");
    }
    Ok(line.trim().to_string())
}

fn ask_secret() -> anyhow::Result<Secret> {
    let secret = rpassword::prompt_password("Client secret (not shown): ").context("cannot read the secret")?;
    let secret = secret.trim_end_matches(['\r', '\n']).to_string();
    if secret.is_empty() {
        bail!("no client secret was given; nothing was written");
    }
    Ok(Secret::new(secret))
}

/// A TOML string literal.
fn quoted(value: &str) -> String {
    toml::Value::String(value.to_string()).to_string()
}

fn check_url(key: &str, value: &str) -> anyhow::Result<String> {
    let value = value.trim().trim_end_matches('/');
    let url = url::Url::parse(value)
        .map_err(|error| with_hint(anyhow::anyhow!("--{key} {value:?} is not a URL: {error}"), "give https://host"))?;
    if url.scheme() != "https" && !is_loopback(value) {
        return Err(with_hint(
            anyhow::anyhow!("--{key} {value:?} is not https"),
            "use https:// (plain http only to 127.0.0.1 or localhost, e.g. a running `umapi-bulk sim`)",
        ));
    }
    Ok(value.to_string())
}

/// The file's text, every value checked.
fn render(settings: &InitSettings, secret: Option<&Secret>) -> anyhow::Result<String> {
    let org_id = settings.org_id.as_deref().unwrap_or_default();
    if let Some(problem) = org_id_problem(org_id) {
        return Err(with_hint(anyhow::anyhow!("--org-id: {problem}"), ORG_ID_HINT));
    }
    let client_id = settings.client_id.as_deref().unwrap_or_default();
    let mut text = String::from(
        "# umapi-bulk configuration, written by `umapi-bulk init`.\n\
         # The Adobe Developer Console shows these on the project's OAuth Server-to-Server credential.\n",
    );
    text.push_str(&format!("org_id = {}\nclient_id = {}\nauth = \"oauth\"\n", quoted(org_id), quoted(client_id)));
    let ims_url = settings.ims_url.as_deref().map(|value| check_url("ims-url", value)).transpose()?;
    let umapi_url = settings.umapi_url.as_deref().map(|value| check_url("umapi-url", value)).transpose()?;
    match ims_url {
        Some(url) => text.push_str(&format!("ims_url = {}\n", quoted(&url))),
        None => text.push_str(&format!("# ims_url = {}\n", quoted(DEFAULT_IMS_URL))),
    }
    match umapi_url {
        Some(url) => text.push_str(&format!("umapi_url = {}\n", quoted(&url))),
        None => text.push_str(&format!("# umapi_url = {}\n", quoted(DEFAULT_UMAPI_URL))),
    }
    if !settings.claimed_domains.is_empty() {
        let domains: Vec<String> =
            settings.claimed_domains.iter().map(|domain| quoted(&domain.trim().to_ascii_lowercase())).collect();
        text.push_str(&format!("claimed_domains = [{}]\n", domains.join(", ")));
    }
    if let Some(ca_file) = &settings.ca_file {
        let pem = fs_err::read(ca_file).context("--ca-file cannot be read")?;
        crate::tls::certificates(&pem).with_context(|| format!("--ca-file {}", ca_file.display()))?;
        let absolute = std::path::absolute(ca_file).unwrap_or_else(|_| ca_file.clone());
        text.push_str(&format!("ca_file = {}\n", quoted(&absolute.display().to_string())));
    }
    text.push_str(
        "\n# The client secret. umapi-bulk takes the first of: the environment (UMAPI_CLIENT_SECRET),\n\
         # client_secret_command (a command that prints it), the keychain (`umapi-bulk secret set`),\n\
         # client_secret in this file.\n",
    );
    match &settings.client_secret_command {
        Some(command) => text.push_str(&format!("client_secret_command = {}\n", quoted(command))),
        None => text.push_str("# client_secret_command = \"op read op://IT/umapi-bulk/credential\"\n"),
    }
    match secret {
        Some(secret) => text.push_str(&format!("client_secret = {}\n", quoted(secret.expose()))),
        None => text.push_str("# client_secret = \"...\"\n"),
    }
    Ok(text)
}

fn write(path: &Path, text: &str, private: bool) -> anyhow::Result<()> {
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        fs_err::create_dir_all(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path).with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(text.as_bytes()).with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        fs_err::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}
