//! What an administrator should do about each failure: a hint per UMAPI error code (UMAPI.md 3b)
//! and per outcome of our own, used in `retry.csv`'s `Hint` column and in summaries.

/// Our code for a request whose attempts were all answered with transient failures.
pub const TRANSIENT_EXHAUSTED: &str = "umapi-bulk.transient.exhausted";
/// Our code for a row never sent because the run stopped first.
pub const NOT_SENT: &str = "umapi-bulk.not_sent";
/// Our code for a row whose request may or may not have been applied (Result `Unknown`).
pub const UNKNOWN: &str = "umapi-bulk.unknown";

/// A hint for a failed row, by error code.
pub fn hint_for(code: &str) -> &'static str {
    match code {
        TRANSIENT_EXHAUSTED => "temporary failure (throttling, gateway or connection); run this file again",
        NOT_SENT => "not sent: the run stopped before this row; run this file again",
        UNKNOWN => {
            "may or may not have been applied (no usable answer came); this file is safe to apply again as it is"
        }
        "error.throttled_by_external_service" => "UMAPI was throttled downstream; run this file again later",
        "error.group.not_found" | "error.command.product.not_found" | "error.user.productadmin.group.not_found" => {
            "a product configuration, user group or product named in this row does not exist in the org; fix the name"
        }
        "error.domain.trust.nonexistent" => {
            "the email's domain is not claimed by the org; claim it in the Admin Console or fix the email"
        }
        "error.user.type_mismatch" => {
            "the Identity Type does not match the domain's directory (Enterprise vs Federated); fix Identity Type"
        }
        "error.user.nonexistent" | "error.user.not_found" | "error.user.not_in_org" => {
            "the user is not in the org; add it first (--op add) or fix the Email"
        }
        "error.user.already_in_org" | "error.user.already_invited" | "error.user.already_exists" => {
            "the user already exists; use --op edit to change memberships"
        }
        "error.update.adobeid.no" | "error.user.type_must_not_be_adobeid" => "Adobe IDs cannot be updated by the org",
        "error.user.email.invalid" => "fix the Email (at most 60 characters, a valid address)",
        "error.country.invalid" => "fix the Country Code (ISO 3166-1 alpha-2)",
        "error.user.firstname_missing" | "error.user.lastname_missing" => "fill in First Name and Last Name",
        "error.command.add_remove.list_too_long" | "error.command.malformed" => {
            "the request was malformed; report this as a bug of umapi-bulk with the journal"
        }
        "error.organization.migrating" => "the org is being migrated by Adobe; run again after the migration",
        code if code.starts_with("error.internal") => "UMAPI failed internally; run this file again later",
        code if code.starts_with("error.usergroup.readonly") => {
            "the user group is read-only (shared); change it in its owning org"
        }
        _ => "see the Error Message; fix the row and run this file again",
    }
}

/// Whether a failure with this code can succeed when re-run unchanged.
pub fn is_transient(code: &str) -> bool {
    code == TRANSIENT_EXHAUSTED
        || code == NOT_SENT
        || code == UNKNOWN
        || code == "error.throttled_by_external_service"
        || code == "error.organization.migrating"
        || code.starts_with("error.internal")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_codes_are_recognised_and_every_code_has_a_hint() {
        assert!(is_transient(TRANSIENT_EXHAUSTED));
        assert!(is_transient("error.internal.add"));
        assert!(!is_transient("error.group.not_found"));
        assert!(hint_for("error.group.not_found").contains("does not exist"));
        assert!(!hint_for("error.something.new").is_empty());
    }
}
