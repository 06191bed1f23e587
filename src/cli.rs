//! The command line as clap derive types, with the help text that teaches the tool. Nothing here
//! does work: the settings step (`settings`) turns these into each command's settings.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::model::Operation;

/// Adobe Admin Console bulk operations from the command line: validate, plan and apply the
/// Console's bulk CSV files through the User Management API (UMAPI), with rate limiting,
/// retries, resumable runs and reports you can open in Excel.
#[derive(Debug, Parser)]
#[command(name = "umapi-bulk", version, after_help = after_help(), arg_required_else_help = true)]
pub struct Cli {
    /// Configuration file (TOML, or Adobe's usermanagement.config); default ./umapi-bulk.toml.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Print only errors.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more detail (each request, each retry).
    #[arg(long, short, global = true)]
    pub verbose: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

fn after_help() -> String {
    format!(
        "Quick start (no Adobe account needed, runs against the built-in simulator):\n  \
         umapi-bulk check samples/bulk-add.csv --op add\n  \
         umapi-bulk plan  samples/bulk-add.csv --op add --sim\n  \
         umapi-bulk apply samples/bulk-add.csv --op add --sim\n\n{EXIT_CODES_HELP}"
    )
}

/// The text printed by `--help` after the subcommands: the exit-code table.
pub const EXIT_CODES_HELP: &str = "Exit codes:
  0    success: every row succeeded or needed nothing (check: no errors; warnings are allowed)
  1    some rows failed, are Unknown (sent, but whether UMAPI applied them is not known), were
       invalid (--skip-invalid) or were not sent (a parked run); also a run that sent requests
       but could not write its reports or journal (the error says how many went out; resume it)
  2    the input or the configuration is invalid, or a guard refused the plan; nothing was sent
  3    authentication or connection failure
  130  interrupted by Ctrl-C (SIGINT), SIGTERM or SIGHUP: requests in flight finished (a second
       signal abandons them), the journal and the reports are written; resume with
       `umapi-bulk apply --resume RUN`. docs/runs.md has each situation";

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate a bulk CSV file offline, by the Admin Console's rules.
    #[command(
        after_help = "Examples:\n  umapi-bulk check users.csv --op add\n  umapi-bulk check users.csv --op edit --format json > diagnostics.json\n  umapi-bulk check invitations.csv --op revoke\n  umapi-bulk --config samples/umapi-bulk.toml check samples/bulk-add.csv --op add\n\nExit codes: 0 no errors (warnings allowed); 1 the file or some rows are invalid, including\nfile-level problems (UTF-16 or other non-UTF-8 text, an empty or header-only file, more than\n5,000 rows or 10 MB): the diagnostic says why; 2 the file cannot be read, or the options or the\nconfiguration are wrong."
    )]
    Check(CheckArgs),
    /// Show what a bulk file would do to the org, without changing anything.
    #[command(
        after_help = "Examples:\n  umapi-bulk plan samples/bulk-edit.csv --op edit --sim\n  umapi-bulk plan users.csv --op add --json > requests.json\n  umapi-bulk plan users.csv --op add -o plan.json   # then: umapi-bulk apply --plan plan.json"
    )]
    Plan(PlanArgs),
    /// Validate, plan and execute a bulk file against the org; writes a run folder of reports.
    #[command(
        after_help = "Examples:\n  umapi-bulk apply samples/bulk-add.csv --op add --sim\n  umapi-bulk apply samples/bulk-add.csv --op add --sim --sim-state org.json\n  umapi-bulk apply users.csv --op add --test-mode\n  umapi-bulk apply users.csv --op remove --skip-invalid\n  umapi-bulk apply --resume 20261124T101500Z-add-users   # a name from `runs list`, or a folder\n  umapi-bulk apply --plan plan.json\n\nThe run folder (runs/<UTC time>-<op>-<file>/) holds results.csv, deficit.csv, retry.csv,\nundo.csv, summary.json and journal.jsonl. Ctrl-C, SIGTERM or SIGHUP stops cleanly (a second signal
at once) and the run can be resumed; --resume rewrites the reports from the journal first."
    )]
    Apply(ApplyArgs),
    /// Export the org's users in the Console's user CSV format.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Write the Admin Console's template CSV for an operation.
    #[command(
        after_help = "Examples:\n  umapi-bulk template add > bulk-add.csv\n  umapi-bulk template revoke -o revoke.csv"
    )]
    Template(TemplateArgs),
    /// Cut a large CSV into parts the Admin Console accepts (rows and bytes capped).
    #[command(
        after_help = "Examples:\n  umapi-bulk split all-users.csv\n  umapi-bulk split all-users.csv --rows 1000 --out-dir parts/"
    )]
    Split(SplitArgs),
    /// Run the built-in UMAPI + IMS simulator on loopback.
    #[command(
        after_help = "Examples:\n  umapi-bulk sim --listen 127.0.0.1:8080\n  umapi-bulk sim --action-rpm 100 --latency-ms 50 --fault-rate 0.2 --seed 7\n  umapi-bulk sim --dump\n\nThe first line on stdout is `listening on http://ADDR`; stderr then shows the umapi-bulk.toml\nlines that point at it. Credentials of the demo org: org DEMO0000000000000000000@AdobeOrg,\nclient demo-client, secret demo-secret. The org lives as long as the simulator runs, for every\ncommand of every terminal (docs/try-it.md)."
    )]
    Sim(SimArgs),
    /// The history of runs: list, show, prune.
    #[command(subcommand)]
    Runs(RunsCommand),
    /// Write umapi-bulk.toml for your org, from flags or by asking.
    #[command(
        after_help = "Examples:\n  umapi-bulk init\n  umapi-bulk init --org-id 0123456789ABCDEF01234567@AdobeOrg --client-id 1a2b3c4d5e6f\n\nThe file never holds the client secret unless --write-secret is given. Keep it in the\nenvironment (UMAPI_CLIENT_SECRET), in a password manager (client_secret_command), or in the\noperating system's keychain (umapi-bulk secret set). Then run `umapi-bulk doctor`."
    )]
    Init(InitArgs),
    /// Check the configuration, the secret, the IMS token, UMAPI access and the clock.
    #[command(
        after_help = "Examples:\n  umapi-bulk doctor\n  umapi-bulk doctor --config other-org.toml\n  umapi-bulk doctor --sim\n\nEach check prints one line with ✓ or ✗ and, when it fails, a hint. Exit codes: 0 every\ncheck passed; 3 a check failed (2 when the configuration file itself cannot be read)."
    )]
    Doctor(DoctorArgs),
    /// Store or remove the client secret in the operating system's keychain.
    #[command(subcommand)]
    Secret(SecretCommand),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(
        after_help = "Examples:\n  umapi-bulk completions bash > ~/.local/share/bash-completion/completions/umapi-bulk\n  umapi-bulk completions zsh > ~/.zfunc/_umapi-bulk\n  umapi-bulk completions fish > ~/.config/fish/completions/umapi-bulk.fish\n  umapi-bulk completions powershell >> $PROFILE"
    )]
    Completions(CompletionsArgs),
    /// Print the manual page (roff) on stdout.
    #[command(after_help = "Example:\n  umapi-bulk man > umapi-bulk.1 && man ./umapi-bulk.1")]
    Man,
}

/// `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The org id (Developer Console → your project → the credential → Organization ID).
    #[arg(long, value_name = "ID")]
    pub org_id: Option<String>,
    /// The credential's client id (also called API key).
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// IMS base URL (default Adobe's production IMS).
    #[arg(long, value_name = "URL")]
    pub ims_url: Option<String>,
    /// UMAPI base URL (default Adobe's production UMAPI).
    #[arg(long, value_name = "URL")]
    pub umapi_url: Option<String>,
    /// A command that prints the client secret (e.g. "op read op://IT/umapi/credential").
    #[arg(long, value_name = "COMMAND")]
    pub client_secret_command: Option<String>,
    /// An extra CA certificate (PEM) to trust, e.g. a company proxy's.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Domains the org has claimed (repeatable); lets `check` apply the claimed-domain rule.
    #[arg(long = "claimed-domain", value_name = "DOMAIN")]
    pub claimed_domains: Vec<String>,
    /// Also write the client secret (read from UMAPI_CLIENT_SECRET, else asked) into the file.
    #[arg(long)]
    pub write_secret: bool,
    /// Where to write (default: --config, else ./umapi-bulk.toml).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
}

/// `doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub target: TargetArgs,
}

/// `secret`.
#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// Store the client secret in the keychain (asked without echo, or read from stdin).
    #[command(
        after_help = "Examples:\n  umapi-bulk secret set\n  printf '%s' \"$SECRET\" | umapi-bulk secret set --client-id 1a2b3c4d5e6f\n\nThe entry is service \"umapi-bulk\", account <client_id>: the macOS Keychain, the Windows\nCredential Manager, or on Linux the Secret Service (else the kernel keyring, which forgets it\nat a reboot)."
    )]
    Set(SecretArgs),
    /// Remove the client secret from the keychain.
    Delete(SecretArgs),
}

/// `secret set|delete`.
#[derive(Debug, Args)]
pub struct SecretArgs {
    /// The client id the secret belongs to (default: client_id of the configuration).
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
}

/// `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Output format of `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Compiler-style diagnostics and a summary, on stderr.
    #[default]
    Human,
    /// One JSON document on stdout.
    Json,
}

/// `--op` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OpArg {
    /// Bulk add users (user CSV).
    Add,
    /// Bulk edit user details (user CSV).
    Edit,
    /// Bulk remove users (user CSV).
    Remove,
    /// Bulk revoke invitations (invitation CSV).
    Revoke,
}

impl From<OpArg> for Operation {
    fn from(value: OpArg) -> Self {
        match value {
            OpArg::Add => Operation::Add,
            OpArg::Edit => Operation::Edit,
            OpArg::Remove => Operation::Remove,
            OpArg::Revoke => Operation::Revoke,
        }
    }
}

/// `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The bulk CSV file.
    pub file: PathBuf,
    /// The operation the file is for.
    #[arg(long, value_enum)]
    pub op: OpArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// Where the org is: the configured UMAPI, or the built-in simulator.
#[derive(Debug, Args, Clone, Default)]
pub struct TargetArgs {
    /// Work against the built-in simulator, started in-process with a fresh copy of the demo org
    /// (its changes are gone when the command ends; see --sim-state).
    #[arg(long)]
    pub sim: bool,
    /// With --sim: keep the simulated org in FILE across commands. FILE is loaded (the demo org
    /// when it does not exist yet) and the org is saved back to it when the command ends.
    #[arg(long, value_name = "FILE", requires = "sim")]
    pub sim_state: Option<PathBuf>,
}

/// What to do with licence deficits found before sending.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum OnDeficit {
    /// Report the rows that will end without a licence and go on.
    #[default]
    Warn,
    /// Refuse to send anything when a row would end without a licence.
    Stop,
}

/// Options that shape the plan (shared by `plan` and `apply`).
#[derive(Debug, Args, Clone)]
pub struct PlanningArgs {
    /// add: update names of users that already exist (updateIfAlreadyExists) instead of leaving them.
    #[arg(long)]
    pub update_existing: bool,
    /// edit: only add memberships, never remove any.
    #[arg(long)]
    pub additive: bool,
    /// edit: refuse plans that remove more than this many memberships.
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub max_removals: usize,
    /// remove: also delete Enterprise and Federated accounts (Adobe IDs are only removed).
    #[arg(long)]
    pub delete_accounts: bool,
    /// What to do when product configurations lack free licences.
    #[arg(long, value_enum, default_value_t = OnDeficit::Warn)]
    pub on_deficit: OnDeficit,
}

/// `plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The bulk CSV file.
    pub file: PathBuf,
    /// The operation the file is for.
    #[arg(long, value_enum)]
    pub op: OpArg,
    /// Print the exact UMAPI request bodies as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Save the plan (requests + org fingerprint) for `apply --plan`.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub planning: PlanningArgs,
    #[command(flatten)]
    pub target: TargetArgs,
}

/// `apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The bulk CSV file (not needed with --resume or --plan).
    #[arg(required_unless_present_any = ["resume", "plan", "dry_run"])]
    pub file: Option<PathBuf>,
    /// The operation the file is for.
    #[arg(long, value_enum, required_unless_present_any = ["resume", "plan", "dry_run"])]
    pub op: Option<OpArg>,
    /// Not a flag of apply (which sends): refused with a pointer to `plan` and `--test-mode`.
    #[arg(long, hide = true)]
    pub dry_run: bool,
    /// Send UMAPI's testOnly flag: the server checks but changes nothing.
    #[arg(long)]
    pub test_mode: bool,
    /// Run the valid rows and report the invalid ones (default: refuse the whole file).
    #[arg(long)]
    pub skip_invalid: bool,
    /// Where run folders are written.
    #[arg(long, value_name = "DIR", default_value = "runs")]
    pub out_dir: PathBuf,
    /// Continue an interrupted or parked run (its folder, or its name under --out-dir, as
    /// `runs list` shows it); answered requests are never sent again.
    #[arg(long, value_name = "RUN", conflicts_with_all = ["file", "plan"])]
    pub resume: Option<PathBuf>,
    /// Send exactly the requests of a saved plan, after checking the org has not changed.
    #[arg(long, value_name = "FILE", conflicts_with = "file")]
    pub plan: Option<PathBuf>,
    /// Longest server-requested wait to sleep through before parking the run (e.g. 15m).
    #[arg(long, value_name = "DURATION")]
    pub max_wait: Option<String>,
    #[command(flatten)]
    pub planning: PlanningArgs,
    #[command(flatten)]
    pub target: TargetArgs,
}

/// `export`.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// All users of the org, in the Console's user CSV format.
    #[command(
        after_help = "Examples:\n  umapi-bulk export users -o users.csv --sim\n  # edit users.csv, then:\n  umapi-bulk plan users.csv --op edit --sim"
    )]
    Users(ExportUsersArgs),
}

/// `export users`.
#[derive(Debug, Args)]
pub struct ExportUsersArgs {
    /// The CSV file to write (`-` for stdout).
    #[arg(long, short, value_name = "FILE")]
    pub output: PathBuf,
    #[command(flatten)]
    pub target: TargetArgs,
}

/// `template`.
#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// The operation.
    #[arg(value_enum)]
    pub op: OpArg,
    /// Write to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `split`.
#[derive(Debug, Args)]
pub struct SplitArgs {
    /// The CSV file to split.
    pub file: PathBuf,
    /// Most data rows per part.
    #[arg(long, default_value_t = 5000)]
    pub rows: usize,
    /// Most bytes per part (header included).
    #[arg(long, default_value_t = 10_485_760)]
    pub max_bytes: u64,
    /// Where the parts go (default: beside the file).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

/// `Retry-After` form on 429 answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum RetryAfterForm {
    /// Delta seconds, e.g. `Retry-After: 38`.
    #[default]
    Seconds,
    /// An HTTP date, e.g. `Retry-After: Tue, 24 Nov 2026 10:15:00 GMT`.
    Date,
}

/// `sim`.
#[derive(Debug, Args, Clone)]
pub struct SimArgs {
    /// Address to listen on (loopback only); port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: String,
    /// The org state file (default: the demo org of samples/org.json, built into the binary).
    #[arg(long, value_name = "FILE", conflicts_with = "synthetic_users")]
    pub state: Option<PathBuf>,
    /// Serve a generated org of N users (realistic catalogue, deterministic from --seed) instead.
    #[arg(long, value_name = "N")]
    pub synthetic_users: Option<usize>,
    /// Action requests per client per window (0: off).
    #[arg(long, default_value_t = 10)]
    pub action_rpm: u32,
    /// User read requests per client per window (0: off).
    #[arg(long, default_value_t = 25)]
    pub read_rpm: u32,
    /// Group read requests per client per window (0: off).
    #[arg(long, default_value_t = 5)]
    pub groups_rpm: u32,
    /// All requests of all clients per window (0: off).
    #[arg(long, default_value_t = 100)]
    pub global_rpm: u32,
    /// Length of the throttle window in seconds.
    #[arg(long, default_value_t = 60)]
    pub window_secs: u64,
    /// Added latency per request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Share of requests that fail with 502/503/504 or a dropped connection (0.0–1.0).
    #[arg(long, default_value_t = 0.0)]
    pub fault_rate: f64,
    /// Form of the Retry-After header on 429 answers.
    #[arg(long, value_enum, default_value_t = RetryAfterForm::Seconds)]
    pub retry_after: RetryAfterForm,
    /// Wider faults, each a share of requests (repeatable): mid-batch-500, migrating, command-error,
    /// slow-answer, ims-429; e.g. --fault mid-batch-500=0.1.
    #[arg(long = "fault", value_name = "KIND=RATE")]
    pub faults: Vec<String>,
    /// How late a slow-answer fault answers, in milliseconds (longer than a client's timeout).
    #[arg(long, default_value_t = 130_000)]
    pub slow_answer_ms: u64,
    /// Seed of the faults, the command order and --synthetic-users (same seed, same run).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Order the commands of one request run in: shuffled (seeded; Adobe promises no order) or sent.
    #[arg(long, value_enum, default_value_t = SimCommandOrder::Shuffled)]
    pub command_order: SimCommandOrder,
    /// Adobe's sync-session throttle: a session started before the previous one ended gets 429
    /// with a long Retry-After, and every call is refused until it passes.
    #[arg(long)]
    pub session_throttle: bool,
    /// Also refuse a second read of page 0 of the users or groups list within the session window.
    #[arg(long)]
    pub page_zero_rule: bool,
    /// Session window in seconds: how long a session without umapi-sync-end stays open.
    #[arg(long, default_value_t = 7_200)]
    pub session_window_secs: u64,
    /// Retry-After of a session-throttle block, in seconds: N or MIN-MAX (drawn with the seed).
    #[arg(long, value_name = "SECONDS", default_value = "2000-3600")]
    pub session_retry_after_secs: String,
    /// Lifetime of issued access tokens, in seconds.
    #[arg(long, default_value_t = 86_399)]
    pub token_ttl_secs: u64,
    /// Print the state file's org as /_sim/state would and exit.
    #[arg(long)]
    pub dump: bool,
    /// Write the org (from --state or --synthetic-users) as a state file to FILE and exit.
    #[arg(long, value_name = "FILE")]
    pub write_state: Option<PathBuf>,
}

/// `sim --command-order` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum SimCommandOrder {
    /// A seeded shuffle of each request's commands.
    #[default]
    Shuffled,
    /// The order they were sent in.
    Sent,
}

/// `runs`.
#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// List the runs, newest first.
    List(RunsListArgs),
    /// Show one run's summary and where its reports are.
    Show(RunsShowArgs),
    /// Delete run folders older than an age (lists them and asks first).
    #[command(
        after_help = "Examples:\n  umapi-bulk runs prune --older-than 90d --dry-run\n  umapi-bulk runs prune --older-than 90d\n  umapi-bulk runs prune --older-than 12h --yes   # scripts: no question\n\nA run folder holds undo.csv, the only record of how users were before an edit or a remove:\nprune lists what it would delete and asks on a terminal. Without a terminal it deletes only\nwith --yes."
    )]
    Prune(RunsPruneArgs),
}

/// `runs list`.
#[derive(Debug, Args)]
pub struct RunsListArgs {
    /// Where run folders are.
    #[arg(long, value_name = "DIR", default_value = "runs")]
    pub out_dir: PathBuf,
}

/// `runs show`.
#[derive(Debug, Args)]
pub struct RunsShowArgs {
    /// A run folder, or its name under --out-dir.
    pub run: PathBuf,
    /// Where run folders are.
    #[arg(long, value_name = "DIR", default_value = "runs")]
    pub out_dir: PathBuf,
}

/// `runs prune`.
#[derive(Debug, Args)]
pub struct RunsPruneArgs {
    /// Age beyond which runs are deleted, with its unit: 90d (days), 12h (hours), 30m (minutes).
    #[arg(long, value_name = "AGE")]
    pub older_than: String,
    /// Where run folders are.
    #[arg(long, value_name = "DIR", default_value = "runs")]
    pub out_dir: PathBuf,
    /// Only list what would be deleted.
    #[arg(long, conflicts_with = "yes")]
    pub dry_run: bool,
    /// Delete without asking (for scripts; without a terminal prune refuses unless given).
    #[arg(long, short)]
    pub yes: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
