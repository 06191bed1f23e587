//! `umapi-bulk secret set|delete [--client-id ID]`: the client secret in the operating system's
//! keychain (`crate::keychain`), under service `umapi-bulk` and account `<client_id>`. `set` asks
//! for the secret without echo on a terminal, or reads it from standard input otherwise (the
//! trailing line end removed). The secret is never printed; the command says which store holds it.

use std::io::{IsTerminal, Read};

use anyhow::{Context as _, bail};

use crate::exit_status::ExitStatus;
use crate::hint::with_hint;
use crate::keychain;
use crate::printer::Printer;
use crate::secret::Secret;
use crate::settings::{SecretAction, SecretSettings};

/// Stores or removes the secret.
pub fn run(printer: &Printer, settings: SecretSettings) -> anyhow::Result<ExitStatus> {
    let stores = keychain::platform_stores();
    let client_id = &settings.client_id;
    match settings.action {
        SecretAction::Set => {
            let secret = read_secret(client_id)?;
            let found = keychain::set(&stores, client_id, &secret).map_err(|error| {
                with_hint(
                    error,
                    "keep the secret in UMAPI_CLIENT_SECRET or a client_secret_command instead (docs/configuration.md)",
                )
            })?;
            printer.info(&format!("stored the client secret of {client_id} in the {}", found.store));
            if let Some(note) = found.note {
                printer.warn(note);
            }
        }
        SecretAction::Delete => {
            let removed = keychain::delete(&stores, client_id)?;
            if removed.is_empty() {
                printer.info(&format!("the keychain holds no client secret of {client_id}; nothing to remove"));
            } else {
                printer.info(&format!("removed the client secret of {client_id} from the {}", removed.join(" and ")));
            }
        }
    }
    Ok(ExitStatus::Success)
}

fn read_secret(client_id: &str) -> anyhow::Result<Secret> {
    let text = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("Client secret of {client_id} (not shown): "))
            .context("cannot read the secret")?
    } else {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).context("cannot read the secret from standard input")?;
        text
    };
    let secret = text.trim_end_matches(['\r', '\n']);
    if secret.is_empty() {
        bail!("no secret was given (empty input); nothing was stored");
    }
    Ok(Secret::new(secret))
}
