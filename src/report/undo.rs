//! `undo.csv`: for `edit` and `remove`, the users' memberships and roles as they were before the
//! run, in the Console's user CSV format, so that `apply undo.csv --op edit` (or `--op add` after a
//! remove) restores them (SPEC 5). The System role is left out: UMAPI cannot grant or remove
//! `_org_admin`, so an undo never needs to, and `add` would refuse the row.

use std::path::Path;

use crate::plan::catalogue::Catalogue;
use crate::report::console_user::{USER_COLUMNS, user_cells};
use crate::report::csv_safe;
use crate::umapi::wire::User;

/// Writes the before-images of `users`, fields separated by `delimiter` (the input's), and returns
/// how many rows were written.
pub fn write(path: &Path, users: &[&User], catalogue: &Catalogue, delimiter: u8) -> std::io::Result<usize> {
    let mut writer = csv_safe::create(path, delimiter)?;
    let io = std::io::Error::other;
    writer.row(USER_COLUMNS).map_err(io)?;
    for user in users {
        writer.row(user_cells(user, catalogue, false)).map_err(io)?;
    }
    writer.commit()?;
    Ok(users.len())
}
