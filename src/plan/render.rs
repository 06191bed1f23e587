//! A plan for people and for machines. [`human`]: per row what happens (a `+`/`-` diff for edit),
//! the totals, for an edit how its membership changes were packed (requests against the per-user
//! count and the lower bound, and the minutes each takes at the configured limit), the estimated
//! duration of `apply` under the rate limits ([`Pace`]) and the licence forecast. [`json`]: the
//! exact request bodies, each command's source lines (per user of a packed step), and the packing.
//! Returns text; `commands::plan` prints it.
//!
//! Text taken from the file or the org is shown through `validation::render::terminal_safe`, so a
//! cell cannot add or erase lines of what an admin reads.

use std::time::Duration;

use serde_json::json;

use crate::plan::catalogue::Catalogue;
use crate::plan::document::{PlanDocument, RowFate};
use crate::plan::estimate::{Pace, TYPICAL_LATENCY, family_duration};
use crate::plan::memberships::console_name;
use crate::text::{format_duration, plural, rate, thousands};
use crate::umapi::wire::group_types;
use crate::validation::render::terminal_safe;

/// The request bodies as JSON: per request its id, dependencies, source lines, path and body.
pub fn json(document: &PlanDocument) -> serde_json::Result<String> {
    let requests: Vec<serde_json::Value> = document
        .batches
        .iter()
        .map(|batch| {
            // A packed command's lines are per step, per user (the order of its `user` lists).
            let lines: Vec<serde_json::Value> = batch
                .sources
                .iter()
                .map(|source| {
                    if source.is_packed() {
                        json!(
                            source
                                .members
                                .iter()
                                .map(|users| users.iter().map(|user| user.line).collect::<Vec<_>>())
                                .collect::<Vec<_>>()
                        )
                    } else {
                        json!(source.line)
                    }
                })
                .collect();
            json!({
                "id": batch.id,
                "after": batch.after,
                "lines": lines,
                "method": "POST",
                "path": format!("/action/{}", document.org_id),
                "body": batch.commands,
            })
        })
        .collect();
    let value = json!({
        "operation": document.operation,
        "file": document.file,
        "org_id": document.org_id,
        "rows": document.rows.iter().map(|row| {
            let mut entry = json!({"line": row.line, "user": row.user, "fate": row.fate});
            // The username and domain the commands name the user by, when not the email.
            if let Some(login) = &row.login {
                entry["login"] = json!(login);
            }
            entry
        }).collect::<Vec<_>>(),
        "requests": requests,
        "licences": document.licences,
        "packing": document.packing,
        "fingerprint": document.fingerprint.sha256,
    });
    serde_json::to_string_pretty(&value)
}

/// A row's description (`create, + Designers, + _admin_Designers`) with each group named as the
/// Console names it for people (`create, + Designers, + User Group admin of Designers`). The plan
/// document and the JSON keep UMAPI's names.
fn console_description(description: &str, catalogue: &Catalogue) -> String {
    // Items are `create`, `+ NAME` or `- NAME`, joined by ", "; a name may hold ", " itself, so an
    // item starts only where ", " is followed by a sign.
    let mut starts = vec![0];
    let mut search = 0;
    while let Some(found) = description[search..].find(", ") {
        let at = search + found;
        let rest = &description[at + 2..];
        if rest.starts_with("+ ") || rest.starts_with("- ") {
            starts.push(at + 2);
        }
        search = at + 2;
    }
    starts.push(description.len() + 2);
    starts
        .windows(2)
        .map(|bounds| {
            let item = &description[bounds[0]..bounds[1] - 2];
            match item.split_at_checked(2) {
                Some((sign @ ("+ " | "- "), name)) => format!("{sign}{}", console_name(name, catalogue)),
                _ => item.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The plan as people read it.
pub fn human(document: &PlanDocument, pace: &Pace, reads_done: u64) -> String {
    let catalogue = Catalogue::from_groups(&document.catalogue);
    let mut text =
        format!("Plan: {} from {} for org {}\n", document.operation.console_name(), document.file, document.org_id);
    let width = document.rows.iter().map(|row| row.user.chars().count()).max().unwrap_or(0).min(40);
    let (mut planned, mut skipped, mut invalid) = (0, 0, 0);
    for row in &document.rows {
        let what = match &row.fate {
            RowFate::Planned { description } => {
                planned += 1;
                console_description(description, &catalogue)
            }
            RowFate::Skipped { reason } => {
                skipped += 1;
                format!("skip: {reason}")
            }
            RowFate::Invalid { code, message } => {
                invalid += 1;
                format!("INVALID [{code}] {message}")
            }
        };
        // Which form the commands name the user by: the email shown, or username + domain.
        let what = match &row.login {
            Some(login) => format!("[as {login}] {what}"),
            None => what,
        };
        text.push_str(&format!(
            "  line {:<5} {:<width$}  {}\n",
            row.line,
            terminal_safe(&row.user),
            terminal_safe(&what)
        ));
    }
    let by_login = document.rows.iter().filter(|row| row.login.is_some()).count();
    if by_login > 0 {
        text.push_str(&format!(
            "\n{} named by username + domain (Federated IDs that sign in with a username); the others by email\n",
            plural(by_login, "row is", "rows are")
        ));
    }
    let commands = document.command_count();
    let requests = document.batches.len();
    text.push_str(&format!(
        "\nTotals: {}: {planned} to send, {skipped} with nothing to do, {invalid} invalid; {} in {}\n",
        plural(document.rows.len(), "row", "rows"),
        plural(commands, "command", "commands"),
        plural(requests, "action request", "action requests")
    ));
    let concurrency = pace.concurrency;
    if let Some(packing) = &document.packing {
        text.push_str(&packing_line(packing, pace));
    }
    let action = family_duration(requests, pace.action_rpm, pace.window, TYPICAL_LATENCY, concurrency);
    let reads = family_duration(reads_done as usize, pace.read_rpm, pace.window, TYPICAL_LATENCY, 1);
    // After the run: members and members without a licence of each configuration joined directly,
    // or of every configuration when rows join user groups (which may grant any of them).
    let joins_groups = document.rows.iter().any(|row| !row.group_joins.is_empty());
    let configurations = if joins_groups {
        document.catalogue.iter().filter(|group| group.group_type == group_types::PRODUCT_PROFILE).count()
    } else {
        document.licences.len()
    };
    let touched = 2 * configurations;
    let licence_reads = family_duration(touched, pace.read_rpm, pace.window, TYPICAL_LATENCY, 1);
    text.push_str(&format!(
        "Estimated duration of apply: about {} ({} at {}, {} before and {} after)\n",
        format_duration_rounded(action + reads + licence_reads),
        plural(requests, "action request", "action requests"),
        if pace.action_rpm == 0 { "no rate limit".to_string() } else { format!("{} per minute", pace.action_rpm) },
        plural(reads_done as usize, "read", "reads"),
        plural(touched, "licence read", "licence reads")
    ));
    if !document.licences.is_empty() {
        text.push_str("Licences (direct joins; joins through user groups are not forecast):\n");
        for forecast in &document.licences {
            let quota = forecast.quota.map_or_else(|| "no quota".to_string(), |quota| format!("quota {quota}"));
            text.push_str(&format!(
                "  {}: {quota}, {}, {} free; {} → {} without a licence\n",
                forecast.configuration,
                plural(usize::try_from(forecast.members).unwrap_or(usize::MAX), "member", "members"),
                if forecast.quota.is_some() { forecast.free.to_string() } else { "-".into() },
                plural(forecast.needed as usize, "join", "joins"),
                forecast.deficit()
            ));
        }
    }
    text
}

/// `10,000 membership changes in 10 requests (per-user commands: 500; lower bound 10)` and what
/// each takes at the configured action limit.
fn packing_line(packing: &crate::plan::PackingSummary, pace: &Pace) -> String {
    let packed = if packing.packed_changes == 0 {
        "none packed: the rows' own user commands carry them".to_string()
    } else {
        format!(
            "{} of them in {}",
            thousands(packing.packed_changes),
            plural_thousands(packing.usergroup_commands, "usergroup command", "usergroup commands")
        )
    };
    let mut text = format!(
        "{} in {} (per-user commands: {}; lower bound: {}); {packed}\n",
        plural_thousands(packing.membership_changes, "membership change", "membership changes"),
        plural_thousands(packing.requests, "request", "requests"),
        thousands(packing.per_user_requests),
        thousands(packing.lower_bound.requests),
    );
    if pace.action_rpm > 0 {
        // R requests at N per window keep the limit busy for R / N windows.
        let minutes = |requests: usize| {
            let windows = requests as f64 / f64::from(pace.action_rpm);
            format_minutes(pace.window.mul_f64(windows))
        };
        text.push_str(&format!(
            "  at {}: about {} sending, against {} with per-user commands\n",
            rate(pace.action_rpm as usize, pace.window, "action request", "action requests"),
            minutes(packing.requests),
            minutes(packing.per_user_requests),
        ));
    }
    text
}

fn plural_thousands(count: usize, one: &str, many: &str) -> String {
    if count == 1 { format!("1 {one}") } else { format!("{} {many}", thousands(count)) }
}

/// `1 min`, `50 min`, `2 h 5 min`: a sending time at the limit, rounded up to the minute.
fn format_minutes(duration: Duration) -> String {
    let minutes = duration.as_secs().div_ceil(60).max(1);
    if minutes < 60 { format!("{minutes} min") } else { format!("{} h {} min", minutes / 60, minutes % 60) }
}

fn format_duration_rounded(duration: Duration) -> String {
    let seconds = duration.as_secs_f64().ceil() as u64;
    if seconds < 60 {
        format!("{seconds} s")
    } else {
        format!("{} ({} min {} s)", format_duration(Duration::from_secs(seconds)), seconds / 60, seconds % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::umapi::wire::Group;

    #[test]
    fn descriptions_name_admin_roles_as_the_console_does() {
        let catalogue = Catalogue::from_groups(&[
            Group { group_name: "Designers".into(), group_type: "USER_GROUP".into(), ..Group::default() },
            Group {
                group_name: "Adobe, Inc. - Default".into(),
                group_type: "PRODUCT_PROFILE".into(),
                ..Group::default()
            },
        ]);
        assert_eq!(
            console_description("create, + Designers, + _admin_Designers, + _deployment_admin", &catalogue),
            "create, + Designers, + User Group admin of Designers, + Deployment admin"
        );
        assert_eq!(
            console_description("- _admin_Adobe, Inc. - Default, + Adobe, Inc. - Default", &catalogue),
            "- Product Configuration admin of Adobe, Inc. - Default, + Adobe, Inc. - Default"
        );
        assert_eq!(console_description("remove from the org", &catalogue), "remove from the org");
        assert_eq!(console_description("", &catalogue), "");
    }
}
