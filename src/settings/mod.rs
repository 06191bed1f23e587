//! The settings step: the command line (clap's types in `cli`), the configuration file and the
//! environment resolve into one settings type per command ([`Settings`]), before the command runs.
//! Durations, ages, listen addresses and the planning flags are parsed and checked here, and an
//! error names the flag (`--max-wait`, `--listen`) or the configuration key (`limits.max_wait`,
//! `org_id`). Commands never look at clap structs or the environment.
//!
//! Offline commands load no configuration (`template`, `split`, `sim`, `runs`) or only for the
//! claimed domains (`check`). Commands that reach an org get a [`Target`]: the configured org,
//! checked for an org id and an API client, or `--sim`, the built-in simulator, which keeps the
//! file's attempts, longest wait and concurrency (its own URLs, credentials and rate limits win).

pub mod config;
pub mod secret_source;
mod target;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};

pub use config::{AuthMethod, Config, Environment, Limits};
pub use target::{Target, simulator_config};

use crate::cli::{self, Command, ExportCommand, RunsCommand, SecretCommand};
use crate::hint::with_hint;
use crate::model::Operation;
use crate::plan::PlanOptions;
use crate::sim::{CommandOrder, FaultMenu, RetryAfterForm, SessionThrottle};
use crate::text::parse_duration;

/// Where the configuration comes from: `--config` and the process environment.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    /// `--config`, if given.
    pub config_path: Option<PathBuf>,
    /// Secrets from the environment.
    pub environment: Environment,
}

impl Sources {
    /// Loads the configuration (the file named by `--config`, else `./umapi-bulk.toml` if present).
    pub fn load(&self) -> anyhow::Result<Config> {
        config::load(self.config_path.as_deref(), &self.environment)
    }
}

/// One command's settings.
#[derive(Debug)]
pub enum Settings {
    /// `check`.
    Check(CheckSettings),
    /// `plan`.
    Plan(PlanSettings),
    /// `apply`.
    Apply(ApplySettings),
    /// `export users`.
    Export(ExportSettings),
    /// `template`.
    Template(TemplateSettings),
    /// `split`.
    Split(SplitSettings),
    /// `sim`.
    Sim(SimSettings),
    /// `runs list|show|prune`.
    Runs(RunsSettings),
    /// `init`.
    Init(InitSettings),
    /// `doctor`.
    Doctor(DoctorSettings),
    /// `secret set|delete`.
    Secret(SecretSettings),
    /// `completions SHELL`.
    Completions(clap_complete::Shell),
    /// `man`.
    Man,
}

/// `init`: what the flags said; the command asks for the rest on a terminal.
#[derive(Debug)]
pub struct InitSettings {
    /// `--org-id`.
    pub org_id: Option<String>,
    /// `--client-id`.
    pub client_id: Option<String>,
    /// `--ims-url`.
    pub ims_url: Option<String>,
    /// `--umapi-url`.
    pub umapi_url: Option<String>,
    /// `--client-secret-command`.
    pub client_secret_command: Option<String>,
    /// `--ca-file`.
    pub ca_file: Option<PathBuf>,
    /// `--claimed-domain`.
    pub claimed_domains: Vec<String>,
    /// `--write-secret`, with the secret of the environment if it has one.
    pub write_secret: Option<Option<crate::secret::Secret>>,
    /// Where to write.
    pub output: PathBuf,
    /// `--force`.
    pub force: bool,
}

/// `doctor`: the org to check, or why there is none.
#[derive(Debug)]
pub enum DoctorSettings {
    /// `--sim`: the built-in simulator.
    Simulator(Target),
    /// The configured org: the configuration as loaded (with its secret settled), or the error
    /// loading it gave.
    Org(anyhow::Result<Box<Config>>),
}

/// `secret set|delete`.
#[derive(Debug)]
pub struct SecretSettings {
    /// Set or delete.
    pub action: SecretAction,
    /// The client id the entry belongs to.
    pub client_id: String,
}

/// What `secret` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretAction {
    /// `secret set`.
    Set,
    /// `secret delete`.
    Delete,
}

/// Output format of `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckFormat {
    /// Diagnostics and a summary for people, on stderr.
    Human,
    /// One JSON document on stdout.
    Json,
}

/// `check`.
#[derive(Debug)]
pub struct CheckSettings {
    /// The bulk CSV file.
    pub file: PathBuf,
    /// The operation it is for.
    pub operation: Operation,
    /// Human or JSON.
    pub format: CheckFormat,
    /// The org's claimed domains, from the configuration.
    pub claimed_domains: Vec<String>,
}

/// `plan`.
#[derive(Debug)]
pub struct PlanSettings {
    /// The bulk CSV file.
    pub file: PathBuf,
    /// The operation it is for.
    pub operation: Operation,
    /// `--json`: the request bodies on stdout.
    pub json: bool,
    /// `-o`: where to save the plan.
    pub output: Option<PathBuf>,
    /// The planning flags.
    pub planning: PlanOptions,
    /// `--on-deficit stop`.
    pub stop_on_deficit: bool,
    /// The org.
    pub target: Target,
}

/// What `apply` sends.
#[derive(Debug, PartialEq, Eq)]
pub enum ApplyInput {
    /// A bulk file, validated and planned now.
    File {
        /// The bulk CSV file.
        file: PathBuf,
        /// The operation it is for.
        operation: Operation,
    },
    /// `--plan`: a saved plan.
    Plan(PathBuf),
    /// `--resume`: the rest of a run.
    Resume(PathBuf),
}

/// `apply`.
#[derive(Debug)]
pub struct ApplySettings {
    /// What to send.
    pub input: ApplyInput,
    /// `--test-mode`.
    pub test_mode: bool,
    /// `--skip-invalid`.
    pub skip_invalid: bool,
    /// Where run folders are written.
    pub out_dir: PathBuf,
    /// The planning flags.
    pub planning: PlanOptions,
    /// `--on-deficit stop`.
    pub stop_on_deficit: bool,
    /// The org (with `--max-wait` applied).
    pub target: Target,
}

/// `export users`.
#[derive(Debug)]
pub struct ExportSettings {
    /// The CSV file to write; `None` for stdout (`-o -`).
    pub output: Option<PathBuf>,
    /// The org.
    pub target: Target,
}

/// `template`.
#[derive(Debug)]
pub struct TemplateSettings {
    /// The operation.
    pub operation: Operation,
    /// `-o`, else stdout.
    pub output: Option<PathBuf>,
}

/// `split`.
#[derive(Debug)]
pub struct SplitSettings {
    /// The file to split.
    pub file: PathBuf,
    /// Rows and bytes per part, and where the parts go (beside the file by default).
    pub options: crate::console_csv::SplitOptions,
}

/// `sim`.
#[derive(Debug)]
pub enum SimSettings {
    /// `--dump`: print the org as `/_sim/state` would and exit.
    Dump {
        /// The org.
        state: SimState,
    },
    /// `--write-state FILE`: write the org as a state file and exit.
    WriteState {
        /// The org.
        state: SimState,
        /// Where to write it.
        path: PathBuf,
    },
    /// Serve on loopback until Ctrl-C.
    Serve(Box<ServeSettings>),
}

/// Which org the simulator serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SimState {
    /// The demo org built into the binary (SPEC 6.1).
    Demo,
    /// An org state file (`--state FILE`).
    File(PathBuf),
    /// A generated org of `users` users (`--synthetic-users N`), deterministic from `seed`.
    Synthetic {
        /// Users to generate.
        users: usize,
        /// The generator's seed (`--seed`).
        seed: u64,
    },
}

/// `sim` serving.
#[derive(Debug)]
pub struct ServeSettings {
    /// The org.
    pub state: SimState,
    /// A loopback address.
    pub listen: SocketAddr,
    /// Action requests per client per window (0: off).
    pub action_rpm: u32,
    /// User read requests per client per window (0: off).
    pub read_rpm: u32,
    /// Group read requests per client per window (0: off).
    pub groups_rpm: u32,
    /// All requests of all clients per window (0: off).
    pub global_rpm: u32,
    /// The throttle window.
    pub window: Duration,
    /// Added latency per request.
    pub latency: Duration,
    /// Share of requests that fail transiently.
    pub fault_rate: f64,
    /// The wider fault menu (`--fault KIND=RATE`).
    pub fault_menu: FaultMenu,
    /// Form of `Retry-After` on 429 answers.
    pub retry_after: RetryAfterForm,
    /// Seed of the fault dice and the command order.
    pub seed: u64,
    /// Order in which the commands of one request run.
    pub command_order: CommandOrder,
    /// The sync-session throttle and the page-0 rule.
    pub session: SessionThrottle,
    /// Lifetime of issued tokens.
    pub token_ttl: Duration,
}

/// `runs`.
#[derive(Debug)]
pub enum RunsSettings {
    /// `runs list`.
    List {
        /// Where run folders are.
        out_dir: PathBuf,
    },
    /// `runs show`.
    Show {
        /// A run folder, or its name under `out_dir`.
        run: PathBuf,
        /// Where run folders are.
        out_dir: PathBuf,
    },
    /// `runs prune`.
    Prune {
        /// Where run folders are.
        out_dir: PathBuf,
        /// Runs older than this are deleted.
        older_than: Duration,
        /// Only list.
        dry_run: bool,
        /// `--yes`: delete without asking.
        yes: bool,
    },
}

impl Settings {
    /// Resolves a parsed command line.
    pub fn resolve(command: Command, sources: &Sources) -> anyhow::Result<Self> {
        Ok(match command {
            Command::Check(args) => Self::Check(CheckSettings {
                claimed_domains: sources.load()?.claimed_domains,
                file: args.file,
                operation: args.op.into(),
                format: match args.format {
                    cli::Format::Human => CheckFormat::Human,
                    cli::Format::Json => CheckFormat::Json,
                },
            }),
            Command::Plan(args) => Self::Plan(PlanSettings {
                target: target::resolve(&args.target, sources)?,
                file: args.file,
                operation: args.op.into(),
                json: args.json,
                output: args.output,
                planning: planning(&args.planning),
                stop_on_deficit: args.planning.on_deficit == cli::OnDeficit::Stop,
            }),
            Command::Apply(args) => Self::Apply(apply(args, sources)?),
            Command::Export(ExportCommand::Users(args)) => Self::Export(ExportSettings {
                target: target::resolve(&args.target, sources)?,
                output: (args.output.as_os_str() != "-").then_some(args.output),
            }),
            Command::Template(args) => {
                Self::Template(TemplateSettings { operation: args.op.into(), output: args.output })
            }
            Command::Split(args) => {
                let out_dir = match args.out_dir {
                    Some(dir) => dir,
                    None => args.file.parent().map(Path::to_path_buf).unwrap_or_default(),
                };
                let options = crate::console_csv::SplitOptions { rows: args.rows, max_bytes: args.max_bytes, out_dir };
                Self::Split(SplitSettings { file: args.file, options })
            }
            Command::Sim(args) => Self::Sim(sim(args)?),
            Command::Runs(command) => Self::Runs(runs(command)?),
            Command::Init(args) => Self::Init(init(args, sources)),
            Command::Doctor(args) => Self::Doctor(doctor(&args, sources)?),
            Command::Secret(command) => Self::Secret(secret(command, sources)?),
            Command::Completions(args) => Self::Completions(args.shell),
            Command::Man => Self::Man,
        })
    }
}

fn init(args: cli::InitArgs, sources: &Sources) -> InitSettings {
    let output = args
        .output
        .or_else(|| sources.config_path.clone())
        .unwrap_or_else(|| PathBuf::from(config::DEFAULT_CONFIG_FILE));
    InitSettings {
        org_id: args.org_id.map(|value| value.trim().to_string()),
        client_id: args.client_id.map(|value| value.trim().to_string()),
        ims_url: args.ims_url,
        umapi_url: args.umapi_url,
        client_secret_command: args.client_secret_command,
        ca_file: args.ca_file,
        claimed_domains: args.claimed_domains,
        write_secret: args
            .write_secret
            .then(|| sources.environment.client_secret.clone().map(crate::secret::Secret::new)),
        output,
        force: args.force,
    }
}

fn doctor(args: &cli::DoctorArgs, sources: &Sources) -> anyhow::Result<DoctorSettings> {
    if args.target.sim {
        return Ok(DoctorSettings::Simulator(target::resolve(&args.target, sources)?));
    }
    let config = sources.load().and_then(|mut config| {
        target::check_names_an_org(&config)?;
        secret_source::resolve(&mut config)?;
        Ok(Box::new(config))
    });
    Ok(DoctorSettings::Org(config))
}

fn secret(command: SecretCommand, sources: &Sources) -> anyhow::Result<SecretSettings> {
    let (action, args) = match command {
        SecretCommand::Set(args) => (SecretAction::Set, args),
        SecretCommand::Delete(args) => (SecretAction::Delete, args),
    };
    let client_id = match args.client_id.map(|value| value.trim().to_string()).filter(|value| !value.is_empty()) {
        Some(client_id) => client_id,
        None => {
            let config = sources.load()?;
            if config.client_id.trim().is_empty() {
                return Err(with_hint(
                    anyhow::anyhow!("which client id does the secret belong to? No client_id is configured"),
                    "give --client-id ID, or run `umapi-bulk init` first",
                ));
            }
            config.client_id.trim().to_string()
        }
    };
    Ok(SecretSettings { action, client_id })
}

fn planning(args: &cli::PlanningArgs) -> PlanOptions {
    PlanOptions {
        update_existing: args.update_existing,
        additive: args.additive,
        max_removals: args.max_removals,
        delete_accounts: args.delete_accounts,
    }
}

fn apply(args: cli::ApplyArgs, sources: &Sources) -> anyhow::Result<ApplySettings> {
    if args.dry_run {
        let file = args.file.as_ref().map_or_else(|| "FILE".to_string(), |file| file.display().to_string());
        let op = args.op.map_or("OP", |op| Operation::from(op).as_str());
        return Err(with_hint(
            anyhow::anyhow!("apply has no --dry-run: apply sends; nothing was sent"),
            format!(
                "`umapi-bulk plan {file} --op {op}` shows what would be sent without sending anything; \
                 `umapi-bulk apply {file} --op {op} --test-mode` sends with UMAPI's test flag: the server checks \
                 every request and changes nothing"
            ),
        ));
    }
    let max_wait = args.max_wait.as_deref().map(parse_duration).transpose().context("invalid --max-wait")?;
    let mut target = target::resolve(&args.target, sources)?;
    if let Some(max_wait) = max_wait {
        target.set_max_wait(max_wait);
    }
    let input = match (args.resume, args.plan, args.file, args.op) {
        (Some(run_dir), _, _, _) => ApplyInput::Resume(run_dir),
        (None, Some(plan), _, _) => ApplyInput::Plan(plan),
        (None, None, Some(file), Some(op)) => ApplyInput::File { file, operation: op.into() },
        _ => bail!("apply needs FILE and --op, or --plan, or --resume"),
    };
    Ok(ApplySettings {
        input,
        test_mode: args.test_mode,
        skip_invalid: args.skip_invalid,
        out_dir: args.out_dir,
        planning: planning(&args.planning),
        stop_on_deficit: args.planning.on_deficit == cli::OnDeficit::Stop,
        target,
    })
}

fn sim(args: cli::SimArgs) -> anyhow::Result<SimSettings> {
    let state = match (&args.state, args.synthetic_users) {
        (Some(path), _) => SimState::File(path.clone()),
        (None, Some(users)) => SimState::Synthetic { users, seed: args.seed },
        (None, None) => SimState::Demo,
    };
    if let Some(path) = args.write_state {
        return Ok(SimSettings::WriteState { state, path });
    }
    if args.dump {
        return Ok(SimSettings::Dump { state });
    }
    let listen: SocketAddr = args.listen.parse().map_err(|error: std::net::AddrParseError| {
        with_hint(
            anyhow::Error::new(error).context(format!("--listen {:?} is not an address", args.listen)),
            "use 127.0.0.1:PORT",
        )
    })?;
    if !listen.ip().is_loopback() {
        return Err(with_hint(
            anyhow::anyhow!("refusing to listen on {listen}: the simulator serves loopback only"),
            "use --listen 127.0.0.1:PORT (port 0 picks a free one)",
        ));
    }
    if !(0.0..=1.0).contains(&args.fault_rate) {
        bail!("--fault-rate {} is not between 0.0 and 1.0", args.fault_rate);
    }
    if args.window_secs == 0 {
        bail!("--window-secs must be at least 1");
    }
    if args.session_window_secs == 0 {
        bail!("--session-window-secs must be at least 1");
    }
    Ok(SimSettings::Serve(Box::new(ServeSettings {
        state,
        listen,
        action_rpm: args.action_rpm,
        read_rpm: args.read_rpm,
        groups_rpm: args.groups_rpm,
        global_rpm: args.global_rpm,
        window: Duration::from_secs(args.window_secs),
        latency: Duration::from_millis(args.latency_ms),
        fault_rate: args.fault_rate,
        fault_menu: fault_menu(&args.faults, args.slow_answer_ms)?,
        retry_after: match args.retry_after {
            cli::RetryAfterForm::Seconds => RetryAfterForm::Seconds,
            cli::RetryAfterForm::Date => RetryAfterForm::HttpDate,
        },
        seed: args.seed,
        command_order: match args.command_order {
            cli::SimCommandOrder::Shuffled => CommandOrder::Shuffled,
            cli::SimCommandOrder::Sent => CommandOrder::AsSent,
        },
        session: SessionThrottle {
            sessions: args.session_throttle,
            page_zero: args.page_zero_rule,
            window: Duration::from_secs(args.session_window_secs),
            retry_after: seconds_range(&args.session_retry_after_secs)?,
        },
        token_ttl: Duration::from_secs(args.token_ttl_secs),
    })))
}

/// `--fault KIND=RATE` values into the fault menu.
fn fault_menu(entries: &[String], slow_answer_ms: u64) -> anyhow::Result<FaultMenu> {
    const KINDS: &str = "use KIND=RATE with KIND one of mid-batch-500, migrating, command-error, slow-answer, ims-429 \
                         and RATE between 0.0 and 1.0";
    let mut menu = FaultMenu { slow_by: Duration::from_millis(slow_answer_ms), ..FaultMenu::default() };
    for entry in entries {
        let Some((kind, rate)) = entry.split_once('=') else {
            return Err(with_hint(anyhow::anyhow!("--fault {entry:?} has no ="), KINDS));
        };
        let Some(rate) = rate.trim().parse::<f64>().ok().filter(|rate| (0.0..=1.0).contains(rate)) else {
            return Err(with_hint(
                anyhow::anyhow!("--fault {entry:?}: {rate:?} is not a rate between 0.0 and 1.0"),
                KINDS,
            ));
        };
        let slot = match kind.trim() {
            "mid-batch-500" => &mut menu.mid_batch_500,
            "migrating" => &mut menu.migrating,
            "command-error" => &mut menu.command_error,
            "slow-answer" => &mut menu.slow_answer,
            "ims-429" => &mut menu.ims_429,
            other => return Err(with_hint(anyhow::anyhow!("--fault {entry:?}: unknown kind {other:?}"), KINDS)),
        };
        *slot = rate;
    }
    Ok(menu)
}

/// `N` or `MIN-MAX` whole seconds (at least 1).
fn seconds_range(text: &str) -> anyhow::Result<(Duration, Duration)> {
    let parse = |part: &str| part.trim().parse::<u64>().ok();
    let range = match text.split_once('-') {
        Some((low, high)) => parse(low).zip(parse(high)),
        None => parse(text).map(|seconds| (seconds, seconds)),
    };
    match range {
        Some((low, high)) if low >= 1 && low <= high => Ok((Duration::from_secs(low), Duration::from_secs(high))),
        _ => Err(with_hint(
            anyhow::anyhow!("--session-retry-after-secs {text:?} is not N or MIN-MAX whole seconds (at least 1)"),
            "Adobe's observed range is 2000-3600",
        )),
    }
}

fn runs(command: RunsCommand) -> anyhow::Result<RunsSettings> {
    Ok(match command {
        RunsCommand::List(args) => RunsSettings::List { out_dir: args.out_dir },
        RunsCommand::Show(args) => RunsSettings::Show { run: args.run, out_dir: args.out_dir },
        RunsCommand::Prune(args) => {
            let older_than = age(&args.older_than)?;
            RunsSettings::Prune { out_dir: args.out_dir, older_than, dry_run: args.dry_run, yes: args.yes }
        }
    })
}

/// `--older-than`: a duration with its unit. A bare number is refused: it would read as seconds,
/// and `--older-than 90` meant to keep 90 days once deleted every run of the day.
fn age(text: &str) -> anyhow::Result<Duration> {
    let trimmed = text.trim();
    if !trimmed.is_empty() && trimmed.chars().all(|character| character.is_ascii_digit() || character == '.') {
        return Err(with_hint(
            anyhow::anyhow!("--older-than {trimmed} has no unit; nothing was deleted"),
            format!("write {trimmed}d for {trimmed} days (or {trimmed}h for hours, {trimmed}m for minutes)"),
        ));
    }
    let age = parse_duration(trimmed).context("invalid --older-than")?;
    if age.is_zero() {
        bail!("--older-than must be more than zero");
    }
    Ok(age)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn resolve(line: &str) -> anyhow::Result<Settings> {
        let cli = cli::Cli::try_parse_from(line.split_whitespace())?;
        Settings::resolve(cli.command, &Sources::default())
    }

    fn error_of(line: &str) -> String {
        resolve(line).err().map(|error| format!("{error:#}")).unwrap_or_default()
    }

    #[test]
    fn flags_are_parsed_here_and_errors_name_the_flag() {
        assert!(error_of("umapi-bulk apply --resume runs/x --max-wait soon --sim").starts_with("invalid --max-wait"));
        assert!(error_of("umapi-bulk runs prune --older-than 0d").contains("--older-than must be more than zero"));
        assert!(error_of("umapi-bulk runs prune --older-than soon").starts_with("invalid --older-than"));
        assert!(error_of("umapi-bulk sim --listen localhost").starts_with("--listen \"localhost\" is not an address"));
        assert!(error_of("umapi-bulk sim --listen 0.0.0.0:0").contains("loopback only"));
        assert!(error_of("umapi-bulk sim --fault-rate 2").contains("--fault-rate"));
        let Ok(Settings::Runs(RunsSettings::Prune { older_than, .. })) =
            resolve("umapi-bulk runs prune --older-than 90d")
        else {
            panic!("not a prune")
        };
        assert_eq!(older_than, Duration::from_secs(90 * 86_400));
    }

    #[test]
    fn an_age_without_a_unit_is_refused_with_the_day_spelling() {
        let error = resolve("umapi-bulk runs prune --older-than 90").err().unwrap_or_else(|| panic!("accepted"));
        assert_eq!(format!("{error}"), "--older-than 90 has no unit; nothing was deleted");
        assert_eq!(crate::hint::hint_of(&error), Some("write 90d for 90 days (or 90h for hours, 90m for minutes)"));
        for (text, seconds) in [("12h", 12 * 3600), ("90d", 90 * 86_400), ("30m", 1800), ("45s", 45)] {
            let Ok(Settings::Runs(RunsSettings::Prune { older_than, .. })) =
                resolve(&format!("umapi-bulk runs prune --older-than {text}"))
            else {
                panic!("{text} refused")
            };
            assert_eq!(older_than, Duration::from_secs(seconds), "{text}");
        }
    }

    #[test]
    fn apply_dry_run_points_to_plan_and_test_mode() {
        for line in ["umapi-bulk apply users.csv --op add --dry-run", "umapi-bulk apply --dry-run"] {
            let error = resolve(line).err().unwrap_or_else(|| panic!("{line}: accepted"));
            assert_eq!(format!("{error}"), "apply has no --dry-run: apply sends; nothing was sent", "{line}");
            let hint = crate::hint::hint_of(&error).unwrap_or_default();
            assert!(hint.contains("umapi-bulk plan") && hint.contains("--test-mode"), "{line}: {hint}");
        }
        let hint = resolve("umapi-bulk apply users.csv --op edit --dry-run")
            .err()
            .map(|error| crate::hint::hint_of(&error).unwrap_or_default().to_string());
        assert!(hint.unwrap_or_default().starts_with("`umapi-bulk plan users.csv --op edit`"));
    }

    #[test]
    fn max_wait_applies_to_the_simulator_target_too() {
        let Ok(Settings::Apply(settings)) = resolve("umapi-bulk apply --resume runs/x --max-wait 2m --sim") else {
            panic!("not an apply")
        };
        assert_eq!(settings.input, ApplyInput::Resume(PathBuf::from("runs/x")));
        let Target::Simulator { limits, .. } = settings.target else { panic!("not the simulator") };
        assert_eq!(limits.max_wait, Duration::from_secs(120));
    }
}
