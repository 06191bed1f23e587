//! What the end-to-end `plan`/`apply`/`export` tests share: a simulator started in-process on an
//! ephemeral port, a temp dir with a `umapi-bulk.toml` pointing at it, the binary run there (in a
//! blocking task so the simulator keeps serving), and readers for the run folder's reports.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use umapi_bulk::sim::{SimHandle, SimOptions};

use crate::harness::{temp_dir, umapi_bulk};
use crate::sim_support;

/// A demo org behind a simulator, and a working directory configured for it.
pub struct Org {
    pub sim: SimHandle,
    pub dir: tempfile::TempDir,
}

impl Org {
    /// The demo org with every limit off.
    pub async fn demo() -> Self {
        Self::with(SimOptions::unlimited(sim_support::demo_state()), true).await
    }

    /// A simulator with these options; `claimed` writes the org's claimed domains into the config.
    pub async fn with(options: SimOptions, claimed: bool) -> Self {
        let domains: &[&str] = if claimed { &["example.com", "fed.example.org"] } else { &[] };
        Self::with_domains(options, domains).await
    }

    /// A simulator with these options, and these claimed domains in the config.
    pub async fn with_domains(options: SimOptions, claimed: &[&str]) -> Self {
        let sim = sim_support::start(options).await;
        let dir = temp_dir();
        let config = sim.client_config();
        let domains = if claimed.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = claimed.iter().map(|domain| format!("\"{domain}\"")).collect();
            format!("claimed_domains = [{}]\n", quoted.join(", "))
        };
        let text = format!(
            "org_id = \"{}\"\nclient_id = \"{}\"\nclient_secret = \"{}\"\nims_url = \"{}\"\numapi_url = \"{}\"\n{domains}\
             [limits]\naction_rpm = {}\nread_rpm = {}\ngroups_rpm = {}\nmax_wait = \"30s\"\n",
            config.org_id,
            config.client_id,
            sim_support::CLIENT_SECRET,
            config.ims_url,
            config.umapi_url,
            config.limits.action_rpm,
            config.limits.read_rpm,
            config.limits.groups_rpm,
        );
        std::fs::write(dir.path().join("umapi-bulk.toml"), text).unwrap_or_else(|error| panic!("{error}"));
        Self { sim, dir }
    }

    /// The working directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file into the working directory and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, text).unwrap_or_else(|error| panic!("{error}"));
        path
    }

    /// Rewrites the working directory's `umapi-bulk.toml` (tests tune limits or point elsewhere).
    pub fn edit_config(&self, edit: impl FnOnce(String) -> String) {
        let path = self.path().join("umapi-bulk.toml");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{error}"));
        std::fs::write(&path, edit(text)).unwrap_or_else(|error| panic!("{error}"));
    }

    /// Points the configuration at `base` (a recording proxy) instead of the simulator.
    pub fn through(&self, base: &str) {
        let sim_base = self.sim.base_url().trim_end_matches('/').to_string();
        self.edit_config(|config| config.replace(&sim_base, base));
    }

    /// Runs the binary with `args` in the working directory.
    pub async fn run(&self, args: &[&str]) -> Output {
        let dir = self.path().to_path_buf();
        let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
        tokio::task::spawn_blocking(move || umapi_bulk(&dir).args(&args).output())
            .await
            .unwrap_or_else(|error| panic!("{error}"))
            .unwrap_or_else(|error| panic!("cannot run umapi-bulk: {error}"))
    }

    /// The simulator's whole state.
    pub fn state(&self) -> Value {
        self.sim.snapshot()
    }

    /// A counter of the simulator (an unknown name fails the test).
    pub fn counter(&self, name: &str) -> u64 {
        crate::harness::counter(&self.state(), name)
    }

    /// A user of the state by email and type.
    pub fn user(&self, email: &str) -> Option<Value> {
        self.state()["users"].as_array()?.iter().find(|user| user["email"] == email).cloned()
    }

    /// The run folders under `runs/`, oldest first.
    pub fn run_dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(self.path().join("runs"))
            .map(|entries| entries.filter_map(Result::ok).map(|entry| entry.path()).collect())
            .unwrap_or_default();
        dirs.sort();
        dirs
    }

    /// The newest run folder.
    pub fn last_run(&self) -> PathBuf {
        self.run_dirs().pop().unwrap_or_else(|| panic!("no run folder under {}", self.path().display()))
    }
}

/// The records of a report CSV (BOM stripped), header first.
pub fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(&bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    reader
        .records()
        .map(|record| record.unwrap_or_else(|error| panic!("{error}")).iter().map(str::to_string).collect())
        .collect()
}

/// A column of a report's records by header name.
pub fn column(records: &[Vec<String>], name: &str) -> Vec<String> {
    let index = records[0].iter().position(|header| header == name).unwrap_or_else(|| panic!("no column {name}"));
    records[1..].iter().map(|record| record.get(index).cloned().unwrap_or_default()).collect()
}

/// `summary.json` of a run.
pub fn summary(run_dir: &Path) -> Value {
    let text = std::fs::read_to_string(run_dir.join("summary.json")).unwrap_or_else(|error| panic!("{error}"));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{error}"))
}

/// stdout and stderr as text.
pub fn texts(output: &Output) -> (String, String) {
    (String::from_utf8_lossy(&output.stdout).to_string(), String::from_utf8_lossy(&output.stderr).to_string())
}

/// The sorted group names of a state user.
pub fn groups_of(user: &Value) -> Vec<String> {
    let mut names: Vec<String> = user["groups"]
        .as_array()
        .map(|groups| groups.iter().filter_map(|group| group.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    names.sort();
    names
}

/// An add file of `count` new Enterprise IDs `<prefix><n>@example.com`, each joining `group` when given.
pub fn enterprise_add_file(prefix: &str, count: usize, group: Option<&str>) -> String {
    let mut text = String::from("Identity Type,Username,Domain,Email,First Name,Last Name,Country Code");
    text.push_str(if group.is_some() { ",User Groups\n" } else { "\n" });
    for index in 0..count {
        let email = format!("{prefix}{index}@example.com");
        text.push_str(&format!("Enterprise ID,{email},example.com,{email},Test,User{index},GB"));
        text.push_str(&group.map(|group| format!(",{group}\n")).unwrap_or_else(|| "\n".to_string()));
    }
    text
}
