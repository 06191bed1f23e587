//! The executor's view of a run's batches: each one's result (or none yet), whether it was
//! answered after an attempt that may have been applied, what it waits for and who waits for it,
//! which are ready to start, and how many are still to dispatch. The plan's batches come first;
//! a round's follow-ups are added as they are made. Data only: `executor.rs` dispatches.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use crate::execute::outcome::CommandOutcome;
use crate::plan::batch::Batch;

/// The batches of a run and where each stands: results, dependencies, what is ready to start.
pub(super) struct Schedule {
    pub(super) plan: Vec<Arc<Batch>>,
    pub(super) results: Vec<Option<Vec<CommandOutcome>>>,
    /// Per batch: answered after an attempt that may have been applied.
    pub(super) after_doubt: Vec<bool>,
    waiting_on: Vec<usize>,
    dependents: Vec<Vec<usize>>,
    pub(super) ready: BTreeSet<usize>,
    pub(super) undispatched: usize,
}

impl Schedule {
    pub(super) fn new() -> Self {
        Self {
            plan: Vec::new(),
            results: Vec::new(),
            after_doubt: Vec::new(),
            waiting_on: Vec::new(),
            dependents: Vec::new(),
            ready: BTreeSet::new(),
            undispatched: 0,
        }
    }

    /// Adds batches (the plan, or a round of follow-ups) with what is known of them.
    pub(super) fn add(
        &mut self,
        batches: Vec<Arc<Batch>>,
        known: &mut HashMap<String, Vec<CommandOutcome>>,
        doubt: &HashSet<String>,
    ) {
        let first = self.plan.len();
        for batch in batches {
            self.results.push(known.remove(&batch.id));
            self.after_doubt.push(doubt.contains(&batch.id));
            self.waiting_on.push(0);
            self.dependents.push(Vec::new());
            self.plan.push(batch);
        }
        let index_of: HashMap<&str, usize> =
            self.plan.iter().enumerate().map(|(index, batch)| (batch.id.as_str(), index)).collect();
        for index in first..self.plan.len() {
            for after in &self.plan[index].after {
                if let Some(&earlier) = index_of.get(after.as_str())
                    && self.results[earlier].is_none()
                {
                    self.waiting_on[index] += 1;
                    self.dependents[earlier].push(index);
                }
            }
        }
        for index in first..self.plan.len() {
            if self.results[index].is_none() {
                self.undispatched += 1;
                if self.waiting_on[index] == 0 {
                    self.ready.insert(index);
                }
            }
        }
    }

    pub(super) fn settle(&mut self, index: usize, outcomes: Vec<CommandOutcome>, after_doubt: bool) {
        self.results[index] = Some(outcomes);
        self.after_doubt[index] = after_doubt;
        for position in 0..self.dependents[index].len() {
            let dependent = self.dependents[index][position];
            self.waiting_on[dependent] -= 1;
            if self.waiting_on[dependent] == 0 && self.results[dependent].is_none() {
                self.ready.insert(dependent);
            }
        }
    }
}
