//! Bus values to the front end's types. Everything here comes from outside: odd values become
//! a typed error or are skipped, never a panic.

use std::collections::HashMap;

use zbus::{OwnedVariant, Variant};

use crate::model::{
    CallError, Check, ErrorKind, GuidanceRef, Outcome, OutcomeKind, PixelBox, PreviewFrame, Status,
    Step,
};

/// A signal whose step the front end does not know.
pub fn step(s: &str) -> Result<Step, crate::model::UnknownStep> {
    s.parse()
}

pub fn status(
    step_name: &str,
    code: &str,
    progress: f64,
) -> Result<Status, crate::model::UnknownStep> {
    Ok(Status {
        step: step(step_name)?,
        guidance: GuidanceRef::parse(code),
        progress: if progress.is_finite() { progress } else { -1.0 },
    })
}

#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error(transparent)]
    Step(#[from] crate::model::UnknownStep),
    #[error(transparent)]
    Frame(#[from] crate::model::FrameError),
}

pub fn preview(
    step_name: &str,
    width: u32,
    height: u32,
    rgb: Vec<u8>,
    boxes: &[(i32, i32, i32, i32)],
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

fn strings(v: &Variant<'_>) -> Vec<String> {
    match v {
        Variant::Array(a) => a
            .inner()
            .iter()
            .filter_map(|e| match e {
                Variant::Str(s) => Some(s.as_str().to_owned()),
                _ => None,
            })
            .collect(),
        Variant::Str(s) => vec![s.as_str().to_owned()],
        Variant::Variant(inner) => strings(inner),
        _ => Vec::new(),
    }
}

fn detail(v: &Variant<'_>) -> Option<(Option<bool>, String)> {
    Some(match v {
        Variant::Bool(b) => (Some(*b), String::new()),
        Variant::Str(s) => (None, s.as_str().to_owned()),
        Variant::F64(d) => (None, format!("{d:.2}")),
        Variant::U8(n) => (None, n.to_string()),
        Variant::U16(n) => (None, n.to_string()),
        Variant::U32(n) => (None, n.to_string()),
        Variant::U64(n) => (None, n.to_string()),
        Variant::I16(n) => (None, n.to_string()),
        Variant::I32(n) => (None, n.to_string()),
        Variant::I64(n) => (None, n.to_string()),
        Variant::Variant(inner) => return detail(inner),
        _ => return None,
    })
}

/// `Finished(s outcome, a{sv} checks)`: `reasons` (as, guidance ids) and `alternatives` (b) are
/// read by name; every other entry is a check, pass/fail for booleans, informative otherwise.
pub fn outcome(kind: &str, checks: &HashMap<String, OwnedVariant>) -> Outcome {
    let mut out = Outcome {
        kind: OutcomeKind::parse(kind),
        reasons: Vec::new(),
        checks: Vec::new(),
        alternatives: false,
    };
    let mut keys: Vec<&String> = checks.keys().collect();
    keys.sort();
    for key in keys {
        let Some(value) = checks.get(key) else {
            continue;
        };
        let value: &Variant<'_> = value;
        match key.as_str() {
            "reasons" => {
                out.reasons = strings(value)
                    .iter()
                    .filter_map(|s| GuidanceRef::parse(s))
                    .collect();
            }
            "alternatives" => out.alternatives = matches!(value, Variant::Bool(true)),
            name => {
                if let Some((passed, detail)) = detail(value) {
                    out.checks.push(Check {
                        name: name.to_owned(),
                        passed,
                        detail,
                    });
                }
            }
        }
    }
    out
}

/// A failed call as the front end reports it.
pub fn call_error(e: &zbus::Error) -> CallError {
    match e {
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

#[cfg(test)]
mod tests {
    use super::*;
    use idgate_api::Guidance;

    fn v<'a>(x: impl Into<Variant<'a>>) -> OwnedVariant {
        OwnedVariant::try_from(x.into()).expect("owned")
    }

    #[test]
    fn finished_reads_reasons_alternatives_and_checks() {
        let mut m = HashMap::new();
        m.insert(
            "reasons".to_owned(),
            v(vec!["face.no_match", "flow.alternatives"]),
        );
        m.insert("alternatives".to_owned(), v(true));
        m.insert("passive_auth".to_owned(), v(true));
        m.insert("face_match".to_owned(), v(false));
        m.insert("face_score".to_owned(), v(0.3141));
        m.insert("access".to_owned(), v("PACE"));
        let o = outcome("not_verified", &m);
        assert_eq!(o.kind, OutcomeKind::NotVerified);
        assert!(o.alternatives);
        assert_eq!(
            o.reasons,
            vec![
                GuidanceRef::Known(Guidance::FaceNoMatch),
                GuidanceRef::Known(Guidance::FlowAlternatives)
            ]
        );
        let names: Vec<_> = o.checks.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["access", "face_match", "face_score", "passive_auth"]
        );
        assert_eq!(o.checks[2].detail, "0.31");
        assert_eq!(o.checks[1].passed, Some(false));
    }

    #[test]
    fn odd_values_are_skipped_not_fatal() {
        let mut m = HashMap::new();
        m.insert("reasons".to_owned(), v(42u32));
        m.insert("alternatives".to_owned(), v("yes"));
        let o = outcome("something_new", &m);
        assert_eq!(o.kind, OutcomeKind::Other("something_new".into()));
        assert!(o.reasons.is_empty());
        assert!(!o.alternatives);
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
