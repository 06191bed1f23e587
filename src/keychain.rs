//! The client secret in the operating system's keychain, through the `keyring` crate: the entry
//! of service `umapi-bulk` and account `<client_id>` (`umapi-bulk secret set|delete` writes and
//! removes it; the settings step reads it when no other source gives a secret).
//!
//! Where it lives: the macOS Keychain, the Windows Credential Manager, and on Linux the Secret
//! Service (GNOME Keyring, KWallet) over D-Bus when a desktop session runs one, else the kernel's
//! keyring (keyutils). Both Linux stores are pure Rust (zbus with RustCrypto, and keyutils system
//! calls): nothing here needs libdbus, pkg-config or OpenSSL to build. Keyutils keys live in the
//! kernel's memory: they survive logging out (the user's persistent keyring, for some days) but
//! not a reboot, so on a headless server `secret set` must be run again after one, or the secret
//! kept in a `client_secret_command` or the environment instead.
//!
//! The Secret Service client blocks on a runtime of its own: call this module only outside an
//! async context (the settings step and the `secret` command are synchronous). The secret is held
//! in [`Secret`] and never printed.

use crate::secret::Secret;

/// The keychain service name of every entry.
pub const SERVICE: &str = "umapi-bulk";

/// Why a store could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeychainError {
    /// No store of this machine could be used.
    #[error("no keychain is available on this machine ({0})")]
    Unavailable(String),
    /// The store refused the operation.
    #[error("the keychain ({store}) refused: {detail}")]
    Failed {
        /// Which store.
        store: &'static str,
        /// What it said.
        detail: String,
    },
}

/// One credential store, as this module uses it.
pub trait Store {
    /// Its name for people ("Secret Service", "kernel keyring (keyutils)", ...).
    fn name(&self) -> &'static str;
    /// The secret of `account`, `None` when there is no entry.
    fn get(&self, account: &str) -> Result<Option<String>, StoreError>;
    /// Stores the secret of `account`.
    fn set(&self, account: &str, secret: &str) -> Result<(), StoreError>;
    /// Removes the entry of `account`; whether there was one.
    fn delete(&self, account: &str) -> Result<bool, StoreError>;
    /// What a person should know about where the secret now lives (persistence).
    fn note(&self) -> Option<&'static str> {
        None
    }
}

/// A store's failure.
#[derive(Debug)]
pub enum StoreError {
    /// The store is not there (no D-Bus session, no Secret Service, keyutils forbidden).
    Unavailable(String),
    /// The store is there and refused.
    Failed(String),
}

/// Where a secret was found or stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The store's name.
    pub store: &'static str,
    /// A note on persistence, if any.
    pub note: Option<&'static str>,
}

/// The stores of this platform, in the order they are tried.
pub fn platform_stores() -> Vec<Box<dyn Store>> {
    platform::stores()
}

/// The secret of `client_id` from the first store that has it. `Ok(None)`: no store has an
/// entry; `Err`: no store could even be asked (the reasons, joined).
pub fn get(stores: &[Box<dyn Store>], client_id: &str) -> Result<Option<(Secret, Found)>, KeychainError> {
    let mut unavailable = Vec::new();
    let mut answered = false;
    for store in stores {
        match store.get(client_id) {
            Ok(Some(secret)) => {
                return Ok(Some((Secret::new(secret), Found { store: store.name(), note: store.note() })));
            }
            Ok(None) => answered = true,
            Err(StoreError::Unavailable(reason)) => unavailable.push(format!("{}: {reason}", store.name())),
            Err(StoreError::Failed(detail)) => return Err(KeychainError::Failed { store: store.name(), detail }),
        }
    }
    if answered {
        return Ok(None);
    }
    Err(KeychainError::Unavailable(unavailable.join("; ")))
}

/// Stores the secret of `client_id` in the first store that is available.
pub fn set(stores: &[Box<dyn Store>], client_id: &str, secret: &Secret) -> Result<Found, KeychainError> {
    let mut unavailable = Vec::new();
    for store in stores {
        match store.set(client_id, secret.expose()) {
            Ok(()) => return Ok(Found { store: store.name(), note: store.note() }),
            Err(StoreError::Unavailable(reason)) => unavailable.push(format!("{}: {reason}", store.name())),
            Err(StoreError::Failed(detail)) => return Err(KeychainError::Failed { store: store.name(), detail }),
        }
    }
    Err(KeychainError::Unavailable(unavailable.join("; ")))
}

/// Removes the secret of `client_id` from every available store; the stores that had it.
pub fn delete(stores: &[Box<dyn Store>], client_id: &str) -> Result<Vec<&'static str>, KeychainError> {
    let mut removed = Vec::new();
    let mut unavailable = Vec::new();
    for store in stores {
        match store.delete(client_id) {
            Ok(true) => removed.push(store.name()),
            Ok(false) => {}
            Err(StoreError::Unavailable(reason)) => unavailable.push(format!("{}: {reason}", store.name())),
            Err(StoreError::Failed(detail)) => return Err(KeychainError::Failed { store: store.name(), detail }),
        }
    }
    if removed.is_empty() && unavailable.len() == stores.len() {
        return Err(KeychainError::Unavailable(unavailable.join("; ")));
    }
    Ok(removed)
}

/// A `keyring` entry as a [`Store`].
struct KeyringStore {
    name: &'static str,
    note: Option<&'static str>,
    entry: fn(&str) -> keyring::Result<keyring::Entry>,
}

fn store_error(error: keyring::Error) -> StoreError {
    match error {
        keyring::Error::NoStorageAccess(reason) => StoreError::Unavailable(reason.to_string()),
        keyring::Error::PlatformFailure(reason) => StoreError::Unavailable(reason.to_string()),
        other => StoreError::Failed(other.to_string()),
    }
}

impl Store for KeyringStore {
    fn name(&self) -> &'static str {
        self.name
    }

    fn get(&self, account: &str) -> Result<Option<String>, StoreError> {
        match (self.entry)(account).and_then(|entry| entry.get_password()) {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(store_error(error)),
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), StoreError> {
        match (self.entry)(account).and_then(|entry| entry.set_password(secret)) {
            Ok(()) => Ok(()),
            // Keyutils says "no entry" when the process has no session keyring to add to (a
            // service or container started without a login session): nothing can be stored there.
            Err(keyring::Error::NoEntry) => {
                Err(StoreError::Unavailable("no session keyring to store it in (no login session)".to_string()))
            }
            Err(error) => Err(store_error(error)),
        }
    }

    fn delete(&self, account: &str) -> Result<bool, StoreError> {
        match (self.entry)(account).and_then(|entry| entry.delete_credential()) {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(error) => Err(store_error(error)),
        }
    }

    fn note(&self) -> Option<&'static str> {
        self.note
    }
}

#[cfg(target_os = "linux")]
mod platform {
    use super::{KeyringStore, Store};

    /// The kernel keyring's store, alone (tests use it where no Secret Service runs).
    pub fn keyutils() -> Box<dyn Store> {
        Box::new(KeyringStore {
            name: "kernel keyring (keyutils)",
            note: Some("the kernel keyring forgets it at a reboot: run `umapi-bulk secret set` again after one"),
            entry: |account| {
                let credential = keyring::keyutils::KeyutilsCredential::new_with_target(None, super::SERVICE, account)?;
                Ok(keyring::Entry::new_with_credential(Box::new(credential)))
            },
        })
    }

    pub fn stores() -> Vec<Box<dyn Store>> {
        let secret_service = KeyringStore {
            name: "Secret Service",
            note: None,
            entry: |account| {
                let credential = keyring::secret_service::SsCredential::new_with_target(None, super::SERVICE, account)?;
                Ok(keyring::Entry::new_with_credential(Box::new(credential)))
            },
        };
        vec![Box::new(secret_service), keyutils()]
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    use super::{KeyringStore, Store};

    pub fn stores() -> Vec<Box<dyn Store>> {
        let name = if cfg!(target_os = "macos") {
            "macOS Keychain"
        } else if cfg!(windows) {
            "Windows Credential Manager"
        } else {
            "the platform keychain"
        };
        vec![Box::new(KeyringStore { name, note: None, entry: |account| keyring::Entry::new(super::SERVICE, account) })]
    }
}

#[cfg(target_os = "linux")]
pub use platform::keyutils;

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use super::*;

    /// An in-memory store that can be made unavailable.
    struct Memory {
        name: &'static str,
        available: bool,
        entries: RefCell<HashMap<String, String>>,
    }

    impl Memory {
        fn boxed(name: &'static str, available: bool) -> Box<dyn Store> {
            Box::new(Self { name, available, entries: RefCell::default() })
        }
        fn check(&self) -> Result<(), StoreError> {
            if self.available { Ok(()) } else { Err(StoreError::Unavailable("no session bus".into())) }
        }
    }

    impl Store for Memory {
        fn name(&self) -> &'static str {
            self.name
        }
        fn get(&self, account: &str) -> Result<Option<String>, StoreError> {
            self.check()?;
            Ok(self.entries.borrow().get(account).cloned())
        }
        fn set(&self, account: &str, secret: &str) -> Result<(), StoreError> {
            self.check()?;
            self.entries.borrow_mut().insert(account.into(), secret.into());
            Ok(())
        }
        fn delete(&self, account: &str) -> Result<bool, StoreError> {
            self.check()?;
            Ok(self.entries.borrow_mut().remove(account).is_some())
        }
    }

    #[test]
    fn an_unavailable_first_store_falls_back_to_the_next() {
        let stores = vec![Memory::boxed("desktop", false), Memory::boxed("kernel", true)];
        assert!(matches!(get(&stores, "cid"), Ok(None)));
        let found = set(&stores, "cid", &Secret::new("s3cret")).ok();
        assert_eq!(found.map(|found| found.store), Some("kernel"));
        let (secret, found) = get(&stores, "cid").ok().flatten().unwrap_or_else(|| panic!("not stored"));
        assert_eq!((secret.expose(), found.store), ("s3cret", "kernel"));
        assert_eq!(delete(&stores, "cid").ok(), Some(vec!["kernel"]));
        assert!(matches!(get(&stores, "cid"), Ok(None)));
    }

    #[test]
    fn the_first_available_store_answers_and_none_available_is_an_error() {
        let stores = vec![Memory::boxed("desktop", true), Memory::boxed("kernel", true)];
        assert_eq!(set(&stores, "cid", &Secret::new("a")).ok().map(|found| found.store), Some("desktop"));
        let nothing = vec![Memory::boxed("desktop", false), Memory::boxed("kernel", false)];
        let error = get(&nothing, "cid").err().map(|error| error.to_string()).unwrap_or_default();
        assert!(error.contains("desktop: no session bus") && error.contains("kernel"), "{error}");
        assert!(matches!(set(&nothing, "cid", &Secret::new("a")), Err(KeychainError::Unavailable(_))));
        assert!(matches!(delete(&nothing, "cid"), Err(KeychainError::Unavailable(_))));
    }
}
