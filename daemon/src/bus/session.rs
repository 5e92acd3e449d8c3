//! `io.idgate.Session1` at `/io/idgate/Session/N`.

use std::collections::HashMap;

use idgate_api::{Checks, PreviewBox};
use tokio::sync::mpsc;
use zbus::OwnedVariant;
use zbus::message::Header;
use zbus::object_server::SignalEmitter;

use super::{
    Authority, CallError, Request, SessionCall, SessionProps, SessionReply, Shared, ask,
    authorized_caller,
};

#[derive(Debug)]
pub struct SessionIface {
    session: u64,
    tx: mpsc::Sender<Request>,
    props: Shared<SessionProps>,
    authority: Authority,
}

impl SessionIface {
    pub fn new(
        session: u64,
        tx: mpsc::Sender<Request>,
        props: Shared<SessionProps>,
        authority: Authority,
    ) -> Self {
        Self {
            session,
            tx,
            props,
            authority,
        }
    }

    async fn call(
        &self,
        conn: &zbus::Connection,
        header: &Header<'_>,
        call: SessionCall,
    ) -> Result<SessionReply, CallError> {
        let caller = authorized_caller(&self.authority, conn, header).await?;
        let session = self.session;
        Ok(ask(&self.tx, |reply| Request::Session {
            session,
            caller,
            call,
            reply,
        })
        .await?)
    }

    async fn call_done(
        &self,
        conn: &zbus::Connection,
        header: &Header<'_>,
        call: SessionCall,
    ) -> Result<(), CallError> {
        self.call(conn, header, call).await.map(|_| ())
    }
}

/// One verification (code, chip, face), owned by the connection that claimed it.
#[zbus::interface(name = "io.idgate.Session1")]
impl SessionIface {
    /// Begins the code step; from the result step, begins a new verification.
    async fn start(
        &self,
        #[zbus(header)] header: Header<'_>,
        #[zbus(connection)] conn: &zbus::Connection,
    ) -> Result<(), CallError> {
        self.call_done(conn, &header, SessionCall::Start).await
    }

    /// Submits the MRZ as text, lines joined by newlines.
    async fn submit_mrz(
        &self,
        #[zbus(header)] header: Header<'_>,
        #[zbus(connection)] conn: &zbus::Connection,
        lines: String,
    ) -> Result<(), CallError> {
        self.call_done(conn, &header, SessionCall::SubmitMrz(lines))
            .await
    }

    /// Submits typed fields: document_number, birth_date, expiry_date (or can alone). Returns
    /// field to problem id; empty when accepted.
    #[zbus(out_args("field_errors"))]
    async fn submit_manual(
        &self,
        #[zbus(header)] header: Header<'_>,
        #[zbus(connection)] conn: &zbus::Connection,
        fields: HashMap<String, OwnedVariant>,
    ) -> Result<HashMap<String, String>, CallError> {
        match self
            .call(conn, &header, SessionCall::SubmitManual(fields))
            .await?
        {
            SessionReply::FieldErrors(errors) => Ok(errors),
            SessionReply::Done => Ok(HashMap::new()),
        }
    }

    /// Submits a six-digit card access number.
    async fn submit_can(
        &self,
        #[zbus(header)] header: Header<'_>,
        #[zbus(connection)] conn: &zbus::Connection,
        can: String,
    ) -> Result<(), CallError> {
        self.call_done(conn, &header, SessionCall::SubmitCan(can))
            .await
    }

    /// Stops the camera OCR and waits for SubmitManual.
    async fn use_manual_entry(
        &self,
        #[zbus(header)] header: Header<'_>,
        #[zbus(connection)] conn: &zbus::Connection,
    ) -> Result<(), CallError> {
        self.call_done(conn, &header, SessionCall::UseManualEntry)
            .await
    }

    /// Repeats the current step, or from the result step starts again.
    async fn retry(
        &self,
        #[zbus(header)] header: Header<'_>,
        #[zbus(connection)] conn: &zbus::Connection,
    ) -> Result<(), CallError> {
        self.call_done(conn, &header, SessionCall::Retry).await
    }

    /// Cancels the verification; Finished("cancelled") follows.
    async fn cancel(
        &self,
        #[zbus(header)] header: Header<'_>,
        #[zbus(connection)] conn: &zbus::Connection,
    ) -> Result<(), CallError> {
        self.call_done(conn, &header, SessionCall::Cancel).await
    }

    /// Cancels if running, ends the claim and removes this object.
    async fn release(
        &self,
        #[zbus(header)] header: Header<'_>,
        #[zbus(connection)] conn: &zbus::Connection,
    ) -> Result<(), CallError> {
        self.call_done(conn, &header, SessionCall::Release).await
    }

    /// idle, code, chip, face or result.
    #[zbus(property)]
    fn step(&self) -> String {
        self.props
            .lock()
            .map(|p| p.step.as_str().to_owned())
            .unwrap_or_default()
    }

    /// Attempt number in the current step.
    #[zbus(property)]
    fn attempts(&self) -> u32 {
        self.props.lock().map(|p| p.attempts).unwrap_or_default()
    }

    /// A transition or hint: step, guidance id, its text, progress within the step (or -1).
    #[zbus(signal)]
    pub async fn status(
        emitter: &SignalEmitter<'_>,
        step: &str,
        code: &str,
        text: &str,
        progress: f64,
    ) -> zbus::Result<()>;

    /// MRZ lines read so far, with ^ under characters not yet confirmed.
    #[zbus(signal)]
    pub async fn code_lines(
        emitter: &SignalEmitter<'_>,
        lines: &[String],
        uncertain_marks: &[String],
    ) -> zbus::Result<()>;

    /// The chip file being read, bytes read and its size.
    #[zbus(signal)]
    pub async fn chip_progress(
        emitter: &SignalEmitter<'_>,
        file: &str,
        read: u32,
        total: u32,
    ) -> zbus::Result<()>;

    /// A small RGB8 preview frame with boxes (x, y, width, height).
    #[zbus(signal)]
    pub async fn preview(
        emitter: &SignalEmitter<'_>,
        step: &str,
        width: u32,
        height: u32,
        rgb: &[u8],
        boxes: &[PreviewBox],
    ) -> zbus::Result<()>;

    /// A liveness prompt.
    #[zbus(signal)]
    pub async fn challenge(emitter: &SignalEmitter<'_>, code: &str) -> zbus::Result<()>;

    /// The verification ended: verified, not_verified or cancelled, and what was checked.
    #[zbus(signal)]
    pub async fn finished(
        emitter: &SignalEmitter<'_>,
        outcome: &str,
        checks: &Checks,
    ) -> zbus::Result<()>;
}
