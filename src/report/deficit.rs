//! `deficit.csv`: per product configuration the run touched, `Product Configuration, Licence Quota,
//! Requested, Assigned, Deficit`, then the users who joined but got no licence (SPEC 5; the
//! Console's "View deficit report"). The figures come from `status=inactive` reads after the run
//! (UMAPI.md D "deficit").

use std::path::Path;

use serde::Serialize;

use crate::report::csv_safe;

/// One product configuration's line of the deficit report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeficitLine {
    /// Product configuration.
    pub configuration: String,
    /// Licence quota (`None`: not reported by the org).
    pub quota: Option<u64>,
    /// Joins the run requested.
    pub requested: u64,
    /// Of those, joins that got a licence.
    pub assigned: u64,
    /// Users of this run without a licence: `(email, line)`.
    pub unlicensed: Vec<(String, u64)>,
    /// Whether licence status was read (false: the run stopped first, or the read failed; Assigned
    /// and Deficit are then unknown and left empty).
    pub known: bool,
}

impl DeficitLine {
    /// Joins without a licence.
    pub fn deficit(&self) -> u64 {
        self.unlicensed.len() as u64
    }
}

/// Writes `deficit.csv`, fields separated by `delimiter` (the input's: the report opens in the same
/// Excel as the input did).
pub fn write(path: &Path, lines: &[DeficitLine], delimiter: u8) -> std::io::Result<()> {
    let mut writer = csv_safe::create(path, delimiter)?;
    let io = std::io::Error::other;
    writer.row(["Product Configuration", "Licence Quota", "Requested", "Assigned", "Deficit"]).map_err(io)?;
    for line in lines {
        let quota = line.quota.map_or_else(String::new, |quota| quota.to_string());
        let (assigned, deficit) = if line.known {
            (line.assigned.to_string(), line.deficit().to_string())
        } else {
            (String::new(), String::new())
        };
        writer.row([line.configuration.clone(), quota, line.requested.to_string(), assigned, deficit]).map_err(io)?;
    }
    writer.blank().map_err(io)?;
    writer.row(["Product Configuration", "Email", "Line"]).map_err(io)?;
    for line in lines {
        for (email, source_line) in &line.unlicensed {
            writer.row([line.configuration.as_str(), email.as_str(), source_line.to_string().as_str()]).map_err(io)?;
        }
    }
    writer.commit()
}
