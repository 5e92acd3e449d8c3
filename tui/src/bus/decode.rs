//! Bus values to the front end's types. Everything here comes from outside: odd values become
//! a typed error or are skipped, never a panic.

use idgate_api::{Checks, FieldErrors, FieldProblem, Guidance, ManualField, PreviewBox};

use crate::model::{
    Alternatives, CallError, Check, ErrorKind, GuidanceRef, Outcome, OutcomeKind, PixelBox,
    PreviewFrame, Status, Step, Verdict,
};

pub fn step(s: &str) -> Result<Step, idgate_api::UnknownValue> {
    s.parse()
}

pub fn status(
    step_name: &str,
    code: &str,
    progress: f64,
) -> Result<Status, idgate_api::UnknownValue> {
    Ok(Status {
        step: step(step_name)?,
        guidance: GuidanceRef::parse(code),
        progress: if progress.is_finite() { progress } else { -1.0 },
    })
}

#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error(transparent)]
    Step(#[from] idgate_api::UnknownValue),
    #[error(transparent)]
    Frame(#[from] crate::model::FrameError),
}

pub fn preview(
    step_name: &str,
    width: u32,
    height: u32,
    rgb: Vec<u8>,
    boxes: &[PreviewBox],
) -> Result<PreviewFrame, PreviewError> {
    let boxes = boxes
        .iter()
        .filter(|(_, _, w, h)| *w > 0 && *h > 0)
        .map(|&(x, y, w, h)| PixelBox { x, y, w, h })
        .collect();
    Ok(PreviewFrame::new(
        step(step_name)?,
        width,
        height,
        rgb,
        boxes,
    )?)
}

/// `Finished(s outcome, a{sv} checks)`, in the order a person reads it: how the code and chip
/// were read, the chip's checks, the face's checks, then the audit id for staff.
pub fn outcome(kind: &str, c: &Checks) -> Outcome {
    // One line per reason: three failed attempts for one cause are one thing to read.
    let mut reasons: Vec<GuidanceRef> = Vec::new();
    for r in c
        .reasons
        .iter()
        .flatten()
        .filter_map(|r| GuidanceRef::parse(r))
    {
        if !reasons.contains(&r) {
            reasons.push(r);
        }
    }
    let info = |key: &str, v: &Option<String>| {
        v.as_ref().map(|v| Check {
            key: key.to_owned(),
            verdict: Verdict::Info,
            detail: v.clone(),
        })
    };
    let verdict = |key: &str, v: &Option<String>| {
        v.as_ref().map(|v| Check {
            key: key.to_owned(),
            verdict: Verdict::parse(v),
            detail: String::new(),
        })
    };
    let mut face_match = verdict("face.match", &c.face_match);
    if let (Some(m), Some(score)) = (face_match.as_mut(), c.face_score.filter(|s| s.is_finite())) {
        m.detail = match c.face_threshold.filter(|t| t.is_finite()) {
            Some(t) => format!("{score:.2} / {t:.2}"),
            None => format!("{score:.2}"),
        };
    }
    let checks = [
        info("code.source", &c.code_source),
        info(
            "chip.access",
            &c.chip_access.as_ref().map(|a| a.to_uppercase()),
        ),
        verdict("chip.dg1_matches_code", &c.chip_dg1_matches_code),
        verdict("chip.passive_auth", &c.chip_passive_auth),
        verdict("chip.chip_auth", &c.chip_chip_auth),
        verdict("chip.active_auth", &c.chip_active_auth),
        verdict("face.liveness", &c.face_liveness),
        face_match,
        info("audit_id", &c.audit_id),
    ]
    .into_iter()
    .flatten()
    .collect();
    let offered = c.alternatives_en.is_some()
        || c.alternatives_da.is_some()
        || c.guidance.as_deref() == Some(Guidance::FlowAlternatives.id())
        || reasons.iter().any(|r| r.is(Guidance::FlowAlternatives));
    Outcome {
        kind: OutcomeKind::parse(kind),
        reasons,
        checks,
        alternatives: offered.then(|| Alternatives {
            en: c.alternatives_en.clone(),
            da: c.alternatives_da.clone(),
        }),
    }
}

/// `SubmitManual`'s reply: field → problem id. Unknown fields are dropped (nothing to mark);
/// an unknown problem is kept as `None` so the field is still marked.
pub fn field_errors(reply: &FieldErrors) -> Vec<(ManualField, Option<FieldProblem>)> {
    let mut out: Vec<_> = reply
        .iter()
        .filter_map(|(field, problem)| Some((field.parse().ok()?, problem.parse().ok())))
        .collect();
    out.sort_by_key(|(f, _): &(ManualField, _)| ManualField::ALL.iter().position(|x| x == f));
    out
}

/// Any error from a call, as the front end reports it.
pub trait AsCallError {
    fn call_error(&self) -> CallError;
}

impl AsCallError for zbus::Error {
    fn call_error(&self) -> CallError {
        match self {
            zbus::Error::MethodError(name, msg, _) => CallError {
                kind: ErrorKind::from_name(name.as_str()),
                message: msg.clone().unwrap_or_else(|| name.as_str().to_owned()),
            },
            other => CallError {
                kind: ErrorKind::Other,
                message: other.to_string(),
            },
        }
    }
}

impl AsCallError for zbus::fdo::Error {
    fn call_error(&self) -> CallError {
        CallError {
            kind: ErrorKind::Other,
            message: self.to_string(),
        }
    }
}

impl AsCallError for idgate_api::Error {
    fn call_error(&self) -> CallError {
        use idgate_api::Error as E;
        let (kind, message) = match self {
            E::ZBus(e) => return e.call_error(),
            E::NotClaimed(m) => (ErrorKind::NotClaimed, m),
            E::AlreadyClaimed(m) => (ErrorKind::AlreadyClaimed, m),
            E::InvalidArgument(m) => (ErrorKind::InvalidArgument, m),
            E::NoDevice(m) => (ErrorKind::NoDevice, m),
            E::WrongStep(m) => (ErrorKind::WrongStep, m),
            E::Busy(m) => (ErrorKind::Busy, m),
            E::Internal(m) => (ErrorKind::Internal, m),
        };
        CallError {
            kind,
            message: message.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use idgate_api::Lang;

    #[test]
    fn finished_reads_reasons_checks_and_the_alternatives() {
        let c = Checks {
            reasons: Some(vec![
                "face.no_match".into(),
                "face.no_match".into(),
                "face.smile".into(),
            ]),
            guidance: Some("flow.alternatives".into()),
            alternatives_da: Some("Bestil tid i Borgerservice.".into()),
            chip_access: Some("pace".into()),
            chip_passive_auth: Some("passed".into()),
            chip_active_auth: Some("not_supported".into()),
            face_match: Some("failed".into()),
            face_score: Some(0.3141),
            face_threshold: Some(0.5),
            audit_id: Some("a-17".into()),
            ..Default::default()
        };
        let o = outcome("not_verified", &c);
        assert_eq!(o.kind, OutcomeKind::NotVerified);
        assert_eq!(
            o.reasons,
            vec![
                GuidanceRef::Known(Guidance::FaceNoMatch),
                GuidanceRef::Unknown("face.smile".into())
            ]
        );
        let keys: Vec<_> = o.checks.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "chip.access",
                "chip.passive_auth",
                "chip.active_auth",
                "face.match",
                "audit_id"
            ]
        );
        assert_eq!(o.checks[0].detail, "PACE");
        assert_eq!(o.checks[2].verdict, Verdict::NotSupported);
        assert_eq!(o.checks[3].verdict, Verdict::Failed);
        assert_eq!(o.checks[3].detail, "0.31 / 0.50");
        let alt = o.alternatives.expect("offered");
        assert_eq!(alt.text(Lang::Da), "Bestil tid i Borgerservice.");
        assert_eq!(
            alt.text(Lang::En),
            Guidance::FlowAlternatives.text(Lang::En)
        );
    }

    #[test]
    fn a_verified_outcome_offers_no_alternatives() {
        let o = outcome("verified", &Checks::default());
        assert_eq!(o.kind, OutcomeKind::Verified);
        assert!(o.alternatives.is_none());
        assert!(o.checks.is_empty());
        assert_eq!(
            outcome("exploded", &Checks::default()).kind,
            OutcomeKind::Other("exploded".into())
        );
    }

    #[test]
    fn unknown_check_results_are_shown_as_information() {
        let c = Checks {
            face_liveness: Some("maybe".into()),
            ..Default::default()
        };
        assert_eq!(outcome("not_verified", &c).checks[0].verdict, Verdict::Info);
    }

    #[test]
    fn field_errors_come_in_form_order_and_keep_unknown_problems() {
        let mut reply = FieldErrors::new();
        reply.insert("expiry_date".into(), "not_a_date".into());
        reply.insert("document_number".into(), "something_new".into());
        reply.insert("nationality".into(), "missing".into());
        assert_eq!(
            field_errors(&reply),
            vec![
                (ManualField::DocumentNumber, None),
                (ManualField::ExpiryDate, Some(FieldProblem::NotADate)),
            ]
        );
    }

    #[test]
    fn named_errors_keep_their_kind() {
        let e = idgate_api::Error::WrongStep("not now".into()).call_error();
        assert_eq!(
            (e.kind, e.message.as_str()),
            (ErrorKind::WrongStep, "not now")
        );
        let e = idgate_api::Error::AlreadyClaimed("taken".into()).call_error();
        assert_eq!(e.kind, ErrorKind::AlreadyClaimed);
    }

    #[test]
    fn previews_are_checked_before_use() {
        assert!(
            preview("face", 2, 1, vec![0; 6], &[(0, 0, 1, 1), (0, 0, -1, 5)])
                .is_ok_and(|f| f.boxes.len() == 1)
        );
        assert!(matches!(
            preview("face", 2, 1, vec![0; 5], &[]),
            Err(PreviewError::Frame(_))
        ));
        assert!(matches!(
            preview("selfie", 2, 1, vec![0; 6], &[]),
            Err(PreviewError::Step(_))
        ));
    }

    #[test]
    fn status_keeps_unknown_progress_unknown() {
        let s = status("chip", "chip.place", f64::NAN).expect("known step");
        assert!(s.progress < 0.0);
        assert!(status("dance", "", 0.5).is_err());
    }
}
