//! Settling packed steps once every batch of the run is answered: for each user whose fate an
//! answer left open (`packed::pending`), find out whether the change is in place, or send it again
//! so that its own answer tells.
//!
//! Group by group, the cheaper way (the reads and requests go through the client, which counts
//! and paces them like any other):
//! - **read the group's direct members** (`GET /users/{org}/{page}/{group}?directOnly=true`,
//!   paged) when some of its users may already have the change (the answer never came, or an
//!   earlier attempt may have applied the command: its refusals are then likely UMAPI saying the
//!   work is done) and the pages cost less than the `user` commands those users would otherwise
//!   need ([`page_budget`]: page 0 says how many pages there are, and the read stops there when
//!   they cost more). A user the read shows joined (or gone) is done;
//! - **send the rest again** ([`route`]): the users of a step that failed, and the users in doubt no
//!   read looked at, as `user` commands, one per user (`user`-rooted `add` and `remove` are
//!   idempotent, UMAPI.md 2b, so each answer is that user's own truth, and a user who cannot be
//!   changed gets its own error); the users of the steps after a failed one, which did not run, and
//!   the users in doubt a read shows missing, packed again (the step that failed, and its
//!   troublemaker, are out of them now).
//!
//! Test mode changes nothing, so a read proves nothing there: everything open is sent again (in
//! test mode too). Each round settles at least the failed step's users for good, so rounds end.
//! Reads that fail for a reason other than a stop (a group gone, UMAPI exhausted) fall back to
//! sending again; a stop (a signal, a park, an authentication failure) ends the round without a
//! record, and a resume settles the same users.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::execute::batch_task::{Shared, StopCause};
use crate::execute::observer::Observer;
use crate::execute::outcome::{AbortKind, AbortReason, CommandOutcome};
use crate::execute::packed::{self, Doubt, MemberRef, MemberSettlement, Pending, Settled};
use crate::plan::batch::Batch;
use crate::plan::batching::{pack_with_groups, to_batches_named};
use crate::plan::packing::{Resend, resend_as_user_commands, resend_packed};
use crate::umapi::client::UmapiClient;
use crate::umapi::error::ClientError;
use crate::umapi::observe::Family;
use crate::umapi::reads::Reach;
use crate::umapi::wire::{MAX_COMMANDS_PER_REQUEST, RemoveMembership, Step};

/// What one round settled, and the follow-up batches it added.
pub(super) struct Round {
    pub(super) settlements: Vec<MemberSettlement>,
    pub(super) follow_ups: Vec<Batch>,
    pub(super) reads: u64,
}

/// The id of the `number`th follow-up batch of a run (1-based): `f00001`.
pub fn follow_up_id(number: usize) -> String {
    format!("f{number:05}")
}

/// How many pages of a group's members are worth reading to settle `in_doubt` users: the pages
/// cost no more than the `user` commands the users would otherwise need (10 a request), each
/// request costing a window's share of its family's limit (0: no limit, free).
pub fn page_budget(in_doubt: usize, action_limit: usize, read_limit: usize) -> usize {
    let requests = in_doubt.div_ceil(MAX_COMMANDS_PER_REQUEST);
    match (action_limit, read_limit) {
        (_, 0) => usize::MAX,
        (0, _) => 0,
        // requests × (window / action_limit) ÷ (window / read_limit)
        (action, read) => requests.saturating_mul(read) / action,
    }
}

/// Settles what the answers left open; `None` when nothing is open.
pub(super) async fn round(
    shared: &Shared,
    plan: &[Arc<Batch>],
    results: &[Option<Vec<CommandOutcome>>],
    after_doubt: &[bool],
    settled: &[MemberSettlement],
    next_follow_up: usize,
    observer: &dyn Observer,
) -> Result<Option<Round>, StopCause> {
    let done: HashSet<&MemberRef> = settled.iter().map(|settlement| &settlement.member).collect();
    let mut open: Vec<Pending> = Vec::new();
    let mut settlements: Vec<MemberSettlement> = Vec::new();
    for ((batch, result), after_doubt) in plan.iter().zip(results).zip(after_doubt) {
        let Some(outcomes) = result else { continue };
        for (index, ((command, source), outcome)) in batch.commands.iter().zip(&batch.sources).zip(outcomes).enumerate()
        {
            if !source.is_packed() {
                continue;
            }
            let (pending, answered) = packed::pending(&batch.id, index, command, source, outcome, *after_doubt);
            open.extend(pending.into_iter().filter(|pending| !done.contains(&pending.member)));
            settlements.extend(answered.into_iter().filter(|settlement| !done.contains(&settlement.member)));
        }
    }
    if open.is_empty() && settlements.is_empty() {
        return Ok(None);
    }
    let mut groups: Vec<(String, Vec<Pending>)> = Vec::new();
    let mut group_index: HashMap<String, usize> = HashMap::new();
    for pending in open {
        let slot = *group_index.entry(pending.group.to_lowercase()).or_insert_with(|| {
            groups.push((pending.group.clone(), Vec::new()));
            groups.len() - 1
        });
        groups[slot].1.push(pending);
    }
    let mut reads = 0;
    let mut as_users: Vec<Pending> = Vec::new();
    let mut as_packed: Vec<Pending> = Vec::new();
    for (group, pendings) in groups {
        let in_doubt = pendings.iter().filter(|pending| pending.doubt == Doubt::InDoubt).count();
        let mut members = None;
        if !shared.test_mode && in_doubt > 0 {
            let client = &shared.client;
            let budget = page_budget(in_doubt, client.limit(Family::Action), client.limit(Family::Users));
            if budget > 0 {
                observer.settling(&format!(
                    "reading the members of {group:?} to see which of {} in doubt are done",
                    crate::text::plural(in_doubt, "change", "changes")
                ));
                let read = read_members(client, &group, budget, &shared.stop).await;
                reads += read.pages;
                match read.members {
                    Ok(found) => members = found,
                    Err(error) => return_on_stop(error)?,
                }
            }
        }
        for pending in pendings {
            let read = members
                .as_ref()
                .map(|members: &HashSet<String>| members.contains(&pending.user.to_lowercase()) == pending.add);
            match route(&pending, read) {
                Route::Done => settlements
                    .push(MemberSettlement { member: pending.member, how: Settled::Read { group: group.clone() } }),
                Route::Packed => as_packed.push(pending),
                Route::UserCommand => as_users.push(pending),
            }
        }
    }
    if !as_users.is_empty() || !as_packed.is_empty() {
        observer.settling(&format!(
            "sending {} again: {} as user commands, {} packed",
            crate::text::plural(as_users.len() + as_packed.len(), "membership change", "membership changes"),
            as_users.len(),
            as_packed.len()
        ));
    }
    let follow_ups = follow_ups(&as_users, &as_packed, next_follow_up);
    settlements.extend(follow_up_settlements(&follow_ups, as_users.iter().chain(&as_packed)));
    Ok(Some(Round { settlements, follow_ups, reads }))
}

/// Where an open user of a packed step goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// A read of the group shows the change in place.
    Done,
    /// Packed again: the change is known not to be in place and nothing says it would fail (a step
    /// that did not run; a change in doubt that the read shows missing).
    Packed,
    /// A `user` command of its own: the step failed with this user in it (one of its users is the
    /// trouble, and only a user's own command tells which), or the change is in doubt and unread
    /// (packed again it would meet a no-op refusal), or it was already sent again once.
    UserCommand,
}

/// Where an open user goes, given what a read of its group showed (`Some(true)`: in place).
/// Users of follow-up batches in doubt go to `user` commands, so rounds end even when UMAPI keeps
/// failing: each round settles the failed step's users and those in doubt for good, and only
/// steps that did not run are packed again, fewer each round.
pub fn route(pending: &Pending, read: Option<bool>) -> Route {
    match (read, &pending.doubt) {
        (Some(true), _) => Route::Done,
        (_, Doubt::NotRun) => Route::Packed,
        (Some(false), Doubt::InDoubt) if !is_follow_up(&pending.member.batch) => Route::Packed,
        _ => Route::UserCommand,
    }
}

/// Whether a batch id is a follow-up's ([`follow_up_id`]).
pub fn is_follow_up(batch: &str) -> bool {
    batch.starts_with('f')
}

/// A read that ends the round when it was stopped, and falls back to sending again otherwise.
fn return_on_stop(error: ClientError) -> Result<(), StopCause> {
    match error {
        error if error.is_cancellation() => Err(StopCause::Stopped),
        ClientError::Parked { wait, resume_after, .. } => Err(StopCause::Parked { wait, resume_after }),
        ClientError::Auth(error) => Err(StopCause::Aborted(AbortReason {
            kind: AbortKind::Auth,
            message: error.to_string(),
            hint: error.hint(),
        })),
        ClientError::Unreachable { .. } | ClientError::Config(_) => {
            let hint = error.hint();
            Err(StopCause::Aborted(AbortReason { kind: AbortKind::Connection, message: error.to_string(), hint }))
        }
        // A group gone, an exhausted read: its users are sent again instead.
        ClientError::Http { .. }
        | ClientError::Exhausted { .. }
        | ClientError::EndlessListing { .. }
        | ClientError::Cancelled => Ok(()),
    }
}

/// A read of a group's direct members: the lower-cased emails (`None` when the group has more
/// pages than the budget), and the pages it cost.
struct MembersRead {
    members: Result<Option<HashSet<String>>, ClientError>,
    pages: u64,
}

async fn read_members(
    client: &UmapiClient,
    group: &str,
    budget: usize,
    stop: &crate::umapi::cancel::CancelToken,
) -> MembersRead {
    let mut members = HashSet::new();
    let mut pages = 0_u64;
    let mut page = 0_u32;
    loop {
        if usize::try_from(page).map_or(true, |page| page >= budget) {
            return MembersRead { members: Ok(None), pages };
        }
        let answer = match client.users_in_group_page(group, Reach::Direct, None, page, stop).await {
            Ok(answer) => answer,
            Err(error) => return MembersRead { members: Err(error), pages },
        };
        pages += 1;
        if page == 0
            && answer.info.page_count.is_some_and(|count| usize::try_from(count).map_or(true, |count| count > budget))
        {
            return MembersRead { members: Ok(None), pages };
        }
        let empty = answer.body.users.is_empty();
        members.extend(answer.body.users.iter().map(|user| user.email.to_lowercase()));
        // The listing ends on `lastPage` or an empty page (UMAPI answers a page past the end with
        // the last page again, 5a: never trust a count alone).
        if answer.body.last_page || empty {
            return MembersRead { members: Ok(Some(members)), pages };
        }
        page += 1;
    }
}

fn resends(pendings: &[Pending]) -> Vec<Resend> {
    pendings
        .iter()
        .map(|pending| Resend {
            group: pending.group.clone(),
            add: pending.add,
            user: pending.user.clone(),
            source: pending.source,
        })
        .collect()
}

/// The follow-up batches: one `user` command per user sent again that way, and packed commands
/// for the rest, in requests as the planner packs them.
fn follow_ups(as_users: &[Pending], as_packed: &[Pending], next_follow_up: usize) -> Vec<Batch> {
    if as_users.is_empty() && as_packed.is_empty() {
        return Vec::new();
    }
    let chains = resend_as_user_commands(&resends(as_users));
    let group_commands = resend_packed(&resends(as_packed), 1);
    let requests = pack_with_groups(chains, group_commands);
    to_batches_named(&requests, |number| follow_up_id(next_follow_up + number - 1))
}

/// Which follow-up batch carries each user sent again (by row and group).
fn follow_up_settlements<'a>(follow_ups: &[Batch], sent: impl Iterator<Item = &'a Pending>) -> Vec<MemberSettlement> {
    let mut carrier: HashMap<(usize, String), &str> = HashMap::new();
    for batch in follow_ups {
        for (command, source) in batch.commands.iter().zip(&batch.sources) {
            if let Some(group) = &command.usergroup {
                for member in source.members.iter().flatten() {
                    carrier.insert((member.row_index, group.to_lowercase()), &batch.id);
                }
                continue;
            }
            for step in &command.steps {
                let names = match step {
                    Step::Add(membership) | Step::Remove(RemoveMembership::List(membership)) => {
                        membership.group.iter().flatten().collect::<Vec<_>>()
                    }
                    _ => Vec::new(),
                };
                for name in names {
                    carrier.insert((source.row_index, name.to_lowercase()), &batch.id);
                }
            }
        }
    }
    sent.filter_map(|pending| {
        let batch = carrier.get(&(pending.source.row_index, pending.group.to_lowercase()))?;
        Some(MemberSettlement { member: pending.member.clone(), how: Settled::FollowUp { batch: batch.to_string() } })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_is_worth_its_pages_only_while_they_cost_less_than_the_user_commands() {
        // Adobe's limits: 10 action requests and 25 reads a minute. One user in doubt would need a
        // request of its own (6 s): two pages (4,000 members, 4.8 s) are worth reading.
        assert_eq!(page_budget(1, 10, 25), 2);
        // A whole packed request in doubt (1,000 users, 100 requests): 250 pages, the whole 200,000
        // member cap and more.
        assert_eq!(page_budget(1000, 10, 25), 250);
        assert_eq!(page_budget(100, 10, 25), 25);
        // No read limit: always read; no action limit: sending again is free.
        assert_eq!(page_budget(1, 10, 0), usize::MAX);
        assert_eq!(page_budget(1, 0, 25), 0);
    }

    #[test]
    fn each_open_user_goes_where_it_settles_for_good_or_shrinks() {
        let pending = |batch: &str, doubt: Doubt| Pending {
            member: MemberRef { batch: batch.into(), command: 0, step: 0, user: 0 },
            group: "Designers".into(),
            add: true,
            user: "a@example.com".into(),
            source: crate::plan::batch::MemberSource { row_index: 0, line: 2 },
            doubt,
        };
        for doubt in [Doubt::Refused, Doubt::NotRun, Doubt::InDoubt] {
            assert_eq!(route(&pending("b00001", doubt.clone()), Some(true)), Route::Done, "{doubt:?}");
        }
        assert_eq!(route(&pending("b00001", Doubt::Refused), None), Route::UserCommand);
        assert_eq!(route(&pending("b00001", Doubt::Refused), Some(false)), Route::UserCommand);
        assert_eq!(route(&pending("b00001", Doubt::NotRun), None), Route::Packed);
        assert_eq!(route(&pending("f00003", Doubt::NotRun), None), Route::Packed);
        assert_eq!(route(&pending("b00001", Doubt::InDoubt), None), Route::UserCommand, "packed, it would be refused");
        assert_eq!(route(&pending("b00001", Doubt::InDoubt), Some(false)), Route::Packed, "known missing");
        assert_eq!(route(&pending("f00003", Doubt::InDoubt), Some(false)), Route::UserCommand, "rounds end");
    }

    #[test]
    fn follow_up_ids_follow_the_plans_own_after_it() {
        assert_eq!(follow_up_id(1), "f00001");
        assert_eq!(follow_up_id(12), "f00012");
        assert!(is_follow_up("f00012") && !is_follow_up(&crate::plan::batch::batch_id(3)));
    }
}
