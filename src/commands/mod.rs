//! One file per verb. Each command takes its settings (resolved by `settings`), calls the library
//! layers, prints through the [`Printer`] and returns an [`ExitStatus`]; errors go up to `main`,
//! which maps them to exit codes (`exit_status`). This file dispatches, and holds what the verbs
//! that reach an org share: the runtime, the connection to the org (the configured one or the
//! built-in simulator), the progress display, Ctrl-C, the end of the UMAPI sync session, and the
//! validation step of `plan` and `apply` with its diagnostics. Verbs import this file, never each
//! other.
//!
//! Every verb that talks to UMAPI opens one sync session and ends it on every path (success,
//! error, Ctrl-C): [`end_session`] runs after its last request (docs/sessions.md).

pub mod apply;
pub mod check;
pub mod completions;
pub mod doctor;
pub mod export;
pub mod init;
pub mod plan;
pub mod runs;
pub mod secret;
pub mod sim;
mod simulated_org;
pub mod split;
pub mod template;

use std::sync::Arc;

use anyhow::Context as _;

use crate::exit_status::ExitStatus;
use crate::hint::with_hint;
use crate::model::Operation;
use crate::plan::PlanIssue;
use crate::plan::estimate::Pace;
use crate::printer::{Printer, Verbosity};
use crate::progress::{Mode, Progress};
use crate::settings::{self, Config, Settings, Target};
use crate::text::plural;
use crate::umapi::CancelToken;
use crate::umapi::client::{ClientOptions, UmapiClient};
use crate::validation::{self, CheckOptions, CheckedFile, Omitted};
use simulated_org::Simulated;

/// Runs one command.
pub fn run(printer: &Printer, settings: Settings) -> anyhow::Result<ExitStatus> {
    match settings {
        Settings::Check(settings) => check::run(printer, settings),
        Settings::Plan(settings) => runtime()?.block_on(plan::run(printer, settings)),
        Settings::Apply(settings) => runtime()?.block_on(apply::run(printer, settings)),
        Settings::Export(settings) => runtime()?.block_on(export::run(printer, settings)),
        Settings::Template(settings) => template::run(printer, settings),
        Settings::Split(settings) => split::run(printer, settings),
        Settings::Sim(settings) => sim::run(printer, settings),
        Settings::Runs(settings) => runs::run(printer, settings),
        Settings::Init(settings) => init::run(printer, settings),
        Settings::Doctor(settings) => runtime()?.block_on(doctor::run(printer, settings)),
        Settings::Secret(settings) => secret::run(printer, settings),
        Settings::Completions(shell) => completions::completions(printer, shell),
        Settings::Man => completions::man(printer),
    }
}

/// A tokio runtime for one command.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// The progress display for this printer: bars on a terminal, lines otherwise, nothing with
/// `--quiet`.
fn progress(printer: &Printer) -> Arc<Progress> {
    let mode = match (printer.verbosity(), printer.stderr_is_terminal()) {
        (Verbosity::Quiet, _) => Mode::Silent,
        (_, true) => Mode::Bars,
        (_, false) => Mode::Lines,
    };
    Arc::new(Progress::new(mode, printer.verbosity() == Verbosity::Verbose))
}

/// Ctrl-C, SIGTERM or SIGHUP cancels (requests in flight finish, nothing new starts, the session is
/// ended); a second one forces (requests in flight are abandoned and nothing more is sent).
fn watch_interrupts(cancel: CancelToken, progress: Arc<Progress>) -> anyhow::Result<()> {
    crate::signals::watch(cancel, move |line| progress.line(line))
        .context("cannot watch for Ctrl-C, SIGTERM and SIGHUP")
}

/// Ends the client's sync session after the command's last request (UMAPI.md 4b): nothing is sent
/// when the session already ended on the last request, never opened, or the client parked, or when
/// Ctrl-C was pressed twice. When it cannot be ended, says what that means for the next run.
async fn end_session(printer: &Printer, client: &UmapiClient, cancel: &CancelToken) {
    if let Err(error) = client.end_session(cancel).await {
        printer.warn(&format!(
            "could not end the UMAPI sync session ({error}); a run started within two hours may be throttled \
             (docs/sessions.md)"
        ));
    }
}

/// The org a command works on, connected.
struct Org {
    /// The configuration (for `--sim`: the simulator's org, client and URLs).
    config: Config,
    /// The in-process simulator, kept alive while the command runs.
    simulator: Option<Simulated>,
}

impl Org {
    /// Starts the simulator for `--sim`; prints the line that says which org it is (a fresh demo
    /// org, or the one kept in `--sim-state FILE`).
    async fn connect(printer: &Printer, target: &Target) -> anyhow::Result<Self> {
        match target {
            Target::Simulator { state, limits } => {
                let (simulated, line) = Simulated::start(state.as_deref()).await?;
                let handle = &simulated.handle;
                let config = settings::simulator_config(handle.client_config(), handle.claimed_domains(), limits);
                printer.info(&line);
                Ok(Self { config, simulator: Some(simulated) })
            }
            Target::Org(config) => {
                printer.detail(&format!("org {} at {}", config.org_id, config.umapi_url));
                Ok(Self { config: config.as_ref().clone(), simulator: None })
            }
        }
    }

    /// Whether this is the built-in simulator.
    fn is_simulator(&self) -> bool {
        self.simulator.is_some()
    }

    /// A UMAPI client for this org, reporting to `progress` (which learns the limits it paces by).
    fn client(&self, progress: &Arc<Progress>) -> anyhow::Result<Arc<UmapiClient>> {
        progress.set_pace(pace(&self.config));
        let options = ClientOptions { observer: progress.clone(), ..ClientOptions::default() };
        UmapiClient::new(&self.config.client(), options).map(Arc::new).map_err(|error| error.into_anyhow())
    }

    /// Stops the simulator, if any, saving a `--sim-state` org first; a failure to save is a
    /// warning (the command's own outcome stands).
    async fn shutdown(self, printer: &Printer) {
        if let Some(simulator) = self.simulator {
            match simulator.finish().await {
                Some(Ok(line)) => printer.info(&line),
                Some(Err(problem)) => printer.warn(&format!("{problem}; the simulated org's changes are lost")),
                None => {}
            }
        }
    }
}

const READABLE_HINT: &str = "check the path; the file must be readable";

/// Refuses an input file the command cannot read before anything starts — the simulator, the
/// org's reads — so that a mistyped name is the first thing said, not a line after the simulator's.
fn readable(path: &std::path::Path) -> anyhow::Result<()> {
    let problem = match std::fs::metadata(path) {
        Ok(metadata) if metadata.is_dir() => {
            std::io::Error::new(std::io::ErrorKind::IsADirectory, "it is a folder, not a file")
        }
        Ok(_) => match std::fs::File::open(path) {
            Ok(_) => return Ok(()),
            Err(error) => error,
        },
        Err(error) => error,
    };
    Err(with_hint(validation::CheckError::Read { path: path.to_path_buf(), source: problem }, READABLE_HINT))
}

/// A run folder named on the command line (`runs show RUN`, `apply --resume RUN`): the folder as
/// given, or a run's name under `out_dir` as `runs list` shows it.
fn find_run_folder(out_dir: &std::path::Path, run: &std::path::Path) -> anyhow::Result<std::path::PathBuf> {
    let candidates = [run.to_path_buf(), out_dir.join(run)];
    use crate::report::run_folder;
    let is_run =
        |folder: &std::path::PathBuf| run_folder::is_run_folder(folder) || folder.join(run_folder::PLAN).is_file();
    if let Some(found) = candidates.iter().find(|candidate| is_run(candidate)) {
        return Ok(found.clone());
    }
    if let Some(found) = candidates.iter().find(|candidate| candidate.is_dir()) {
        return Err(with_hint(
            anyhow::anyhow!(
                "{} is not a run folder of umapi-bulk apply (no plan.json, journal or summary)",
                found.display()
            ),
            format!("`umapi-bulk runs list --out-dir {}` shows the runs", out_dir.display()),
        ));
    }
    Err(with_hint(
        anyhow::anyhow!("no run folder {} (nor {})", run.display(), out_dir.join(run).display()),
        format!("`umapi-bulk runs list --out-dir {}` shows the runs", out_dir.display()),
    ))
}

/// The rates a run paces itself by, for estimates and the progress display's time left.
fn pace(config: &Config) -> Pace {
    let limits = &config.limits;
    Pace {
        action_rpm: limits.action_rpm,
        read_rpm: limits.read_rpm,
        window: limits.window,
        concurrency: limits.concurrency,
    }
}

/// Validates the file for `plan` and `apply` and prints its diagnostics. A file-level error
/// refuses the file; row errors do not stop here: the org's names are checked too, so that every
/// problem of the file is reported in one go before the caller decides.
fn validate(
    printer: &Printer,
    config: &Config,
    file: &std::path::Path,
    operation: Operation,
) -> anyhow::Result<CheckedFile> {
    let options = CheckOptions { operation, claimed_domains: config.claimed_domains.clone() };
    let checked = validation::check_file(file, &options).map_err(|error| with_hint(error, READABLE_HINT))?;
    printer.diagnostics(&checked.diagnostics, &checked.omitted);
    if checked.file_level_error() {
        let (errors, _) = checked.counts();
        return Err(with_hint(
            anyhow::anyhow!("{}: {}; nothing was sent", file.display(), plural(errors, "error", "errors")),
            format!("`umapi-bulk check {} --op {operation}` explains each problem", file.display()),
        ));
    }
    Ok(checked)
}

/// Plan-time issues, in the same form as `check`'s diagnostics.
fn print_issues(printer: &Printer, issues: &[PlanIssue]) {
    let diagnostics: Vec<_> = issues.iter().map(PlanIssue::diagnostic).collect();
    printer.diagnostics(&diagnostics, &Omitted::default());
}
