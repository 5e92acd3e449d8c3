//! Domain results → the bus contract (`idgate-api`), in one place and with exhaustive matches: a
//! new chip failure, check result or manual-entry problem in a library crate does not compile
//! until it is given its guidance or wire value here. No guidance id string is parsed back.

use idgate_api::{CheckResult, ChipAccess, FieldProblem, Guidance, ManualField};
use idgate_emrtd::{AccessProtocol, ChipFailure};
use idgate_emrtd::{PaReport, checks as passive_auth};
use idgate_mrz::manual::Problem;

/// The guidance for a failed chip read. A reader fault is the station's, not the document's.
pub fn chip_guidance(failure: ChipFailure) -> Guidance {
    match failure {
        ChipFailure::NoCard => Guidance::ChipPlace,
        ChipFailure::CardLost => Guidance::ChipKeepStill,
        ChipFailure::Timeout => Guidance::ChipTimeout,
        // Stopped from outside: the flow was cancelled (or moved on), nothing to tell the person.
        ChipFailure::Cancelled => Guidance::FlowCancelled,
        ChipFailure::WrongKey => Guidance::ChipWrongCode,
        ChipFailure::NotGenuine { .. } => Guidance::ChipNotGenuine,
        ChipFailure::Unsupported => Guidance::ChipUnsupported,
        ChipFailure::ReaderFault => Guidance::FlowStationFault,
    }
}

/// The access protocol that opened the chip.
pub fn chip_access(protocol: AccessProtocol) -> ChipAccess {
    match protocol {
        AccessProtocol::Pace => ChipAccess::Pace,
        AccessProtocol::Bac => ChipAccess::Bac,
    }
}

/// One authentication check (Chip or Active Authentication).
pub fn check_result(c: &passive_auth::CheckResult) -> CheckResult {
    match c {
        passive_auth::CheckResult::Pass => CheckResult::Passed,
        passive_auth::CheckResult::Fail(_) => CheckResult::Failed,
        passive_auth::CheckResult::NotSupported(_) => CheckResult::NotSupported,
    }
}

/// Passive Authentication passes when the hashes, the signature and the chain to a trusted CSCA
/// pass and the DS certificate is not revoked (a missing CRL is not a failure).
pub fn passive_result(pa: &PaReport) -> CheckResult {
    let core = [&pa.dg_hashes, &pa.sod_signature, &pa.ds_chain];
    if core.iter().any(|c| c.is_fail()) || pa.ds_revocation.is_fail() {
        CheckResult::Failed
    } else if core.iter().all(|c| c.is_pass()) {
        CheckResult::Passed
    } else {
        CheckResult::NotRun
    }
}

/// A manual-entry problem as the `SubmitManual` reply names it.
pub fn field_problem(p: Problem) -> FieldProblem {
    match p {
        Problem::Missing => FieldProblem::Missing,
        Problem::NotLettersAndDigits | Problem::NotDigits => FieldProblem::Characters,
        Problem::TooLong | Problem::WrongLength => FieldProblem::Length,
        Problem::DateFormat => FieldProblem::DateFormat,
        Problem::NotARealDate => FieldProblem::NotADate,
        Problem::InTheFuture => FieldProblem::InTheFuture,
        Problem::TooLongAgo => FieldProblem::TooLongAgo,
        Problem::TooFarAhead => FieldProblem::TooFarAhead,
        Problem::BeforeBirth => FieldProblem::BeforeBirth,
    }
}

/// The manual-entry field an MRZ field error belongs to (`None`: not a typed field).
pub fn manual_field(f: idgate_mrz::Field) -> Option<ManualField> {
    match f {
        idgate_mrz::Field::DocumentNumber => Some(ManualField::DocumentNumber),
        idgate_mrz::Field::BirthDate => Some(ManualField::BirthDate),
        idgate_mrz::Field::ExpiryDate => Some(ManualField::ExpiryDate),
        idgate_mrz::Field::Can => Some(ManualField::Can),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented mapping (emrtd's error module): every failure has its guidance, and the
    /// guidance is one the bus contract knows by that id.
    #[test]
    fn every_chip_failure_has_its_documented_guidance() {
        for (failure, id) in [
            (ChipFailure::NoCard, "chip.place"),
            (ChipFailure::CardLost, "chip.keep_still"),
            (ChipFailure::Timeout, "chip.timeout"),
            (ChipFailure::Cancelled, "flow.cancelled"),
            (ChipFailure::WrongKey, "chip.wrong_code"),
            (
                ChipFailure::NotGenuine { check: "ds_chain" },
                "chip.not_genuine",
            ),
            (ChipFailure::Unsupported, "chip.unsupported"),
            (ChipFailure::ReaderFault, "flow.station_fault"),
        ] {
            let guidance = chip_guidance(failure);
            assert_eq!(guidance.id(), id, "{failure:?}");
            assert_eq!(id.parse::<Guidance>().ok(), Some(guidance));
        }
    }

    #[test]
    fn passive_authentication_needs_hashes_signature_and_chain() {
        let mut pa = PaReport::not_run();
        assert_eq!(passive_result(&pa), CheckResult::NotRun);
        pa.dg_hashes = passive_auth::CheckResult::Pass;
        pa.sod_signature = passive_auth::CheckResult::Pass;
        pa.ds_chain = passive_auth::CheckResult::Pass;
        assert_eq!(passive_result(&pa), CheckResult::Passed);
        pa.ds_revocation = passive_auth::CheckResult::Fail("revoked".into());
        assert_eq!(passive_result(&pa), CheckResult::Failed);
    }
}
