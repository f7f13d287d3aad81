//! What a failed call reports, and the boundary every entry point runs behind: panics are
//! caught, failures become a code plus a filled `PolarError`.

use crate::buffer::PolarBuffer;
use crate::codes::*;
use crate::PolarError;
use polarsh_core::exchange::{Fault, FaultKind};
use polarsh_core::json::ToJson;
use polarsh_core::operation::{BuildError, UploadError};
use polarsh_core::Error;
use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A failed call, before it is handed to the host as a `PolarError`.
#[derive(Debug)]
pub(crate) struct Failure {
    pub code: i32,
    pub status: u16,
    pub kind: String,
    pub message: String,
    /// The error model, as JSON text.
    pub model: Option<Vec<u8>>,
    pub body: Vec<u8>,
    /// True when `err` itself could not be written (it still held live buffers).
    pub silent: bool,
}

impl Failure {
    pub fn new(code: i32, kind: &str, message: impl Into<String>) -> Failure {
        Failure {
            code,
            status: 0,
            kind: kind.to_owned(),
            message: message.into(),
            model: None,
            body: Vec::new(),
            silent: false,
        }
    }

    pub fn null(what: &str) -> Failure {
        Failure::new(
            POLAR_ERR_NULL_POINTER,
            "null_pointer",
            format!("`{what}` is NULL"),
        )
    }

    pub fn out_not_empty(what: &str) -> Failure {
        Failure::new(
            POLAR_ERR_OUT_NOT_EMPTY,
            "out_not_empty",
            format!("`{what}` still holds live buffers: free it (or zero-initialize it) first"),
        )
    }

    pub fn invalid_argument(kind: &str, message: impl Into<String>) -> Failure {
        Failure::new(POLAR_ERR_INVALID_ARGUMENT, kind, message)
    }

    pub fn invalid_handle(handle: u64) -> Failure {
        Failure::new(
            POLAR_ERR_INVALID_HANDLE,
            "invalid_handle",
            format!("{handle} names no live exchange or ingest queue (freed, or never made)"),
        )
    }

    /// A live handle of the other kind (an ingest queue's where an exchange's is expected,
    /// or the reverse): it names no object this function can use.
    pub fn wrong_kind(handle: u64, what: &str) -> Failure {
        Failure::new(
            POLAR_ERR_INVALID_HANDLE,
            "invalid_handle",
            format!("{handle} names {what}"),
        )
    }

    pub fn unknown_operation(op: &str) -> Failure {
        Failure::new(
            POLAR_ERR_UNKNOWN_OPERATION,
            "unknown_operation",
            format!("no operation has the operationId `{op}` (see polar_operations)"),
        )
    }

    fn panic(payload: Box<dyn Any + Send>) -> Failure {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".to_owned());
        Failure::new(
            POLAR_ERR_PANIC,
            "panic",
            format!("polarsh-ffi panicked (a bug, please report it): {what}"),
        )
    }

    /// A core error: build, declared API error, unexpected status, decode, transport fault,
    /// exchange driven out of order, upload.
    pub fn from_core(e: Error) -> Failure {
        let message = e.to_string();
        let status = e.status().unwrap_or(0);
        let (code, kind, model, body): (i32, &str, Option<Vec<u8>>, Vec<u8>) = match &e {
            Error::Build(b) => (POLAR_ERR_BUILD, build_kind(b), None, Vec::new()),
            Error::UnexpectedStatus { body, .. } => (
                POLAR_ERR_UNEXPECTED_STATUS,
                "unexpected_status",
                None,
                body.clone(),
            ),
            Error::Decode { body, .. } => (POLAR_ERR_DECODE, "decode", None, body.clone()),
            Error::Transport { fault, .. } => {
                (POLAR_ERR_TRANSPORT, fault_kind(fault), None, Vec::new())
            }
            Error::Misuse(_) => (POLAR_ERR_OUT_OF_ORDER, "out_of_order", None, Vec::new()),
            Error::Upload(u) => (POLAR_ERR_UPLOAD, upload_kind(u), None, Vec::new()),
            other => match other.api_error() {
                Some(api) => (
                    POLAR_ERR_API,
                    api_kind(&e),
                    Some(serde_json::to_vec(&api.body.to_json()).unwrap_or_default()),
                    api.raw.clone(),
                ),
                None => (POLAR_ERR_OTHER, "other", None, Vec::new()),
            },
        };
        Failure {
            code,
            status,
            kind: kind.to_owned(),
            message,
            model,
            body,
            silent: false,
        }
    }

    fn into_error(self) -> PolarError {
        PolarError {
            code: self.code,
            status: self.status,
            kind: PolarBuffer::new(self.kind),
            message: PolarBuffer::new(self.message),
            model: self.model.map(PolarBuffer::new).unwrap_or_default(),
            body: if self.body.is_empty() {
                PolarBuffer::EMPTY
            } else {
                PolarBuffer::new(self.body)
            },
        }
    }
}

fn build_kind(e: &BuildError) -> &'static str {
    match e {
        BuildError::MissingCredential { .. } => "missing_credential",
        BuildError::CredentialNotAccepted { .. } => "credential_not_accepted",
        BuildError::TokenKindMismatch { .. } => "token_kind_mismatch",
        BuildError::InvalidParameter { .. } => "invalid_parameter",
        BuildError::DotSegment { .. } => "dot_segment",
        BuildError::InvalidUri(_) => "invalid_uri",
        BuildError::InvalidHeader(_) => "invalid_header",
        _ => "build",
    }
}

fn fault_kind(fault: &Fault) -> &'static str {
    match fault.kind() {
        FaultKind::NotSent => "not_sent",
        FaultKind::Interrupted => "interrupted",
        FaultKind::TimedOut => "timed_out",
        FaultKind::BodyTooLarge { .. } => "body_too_large",
        FaultKind::Aborted => "aborted",
        FaultKind::Unsupported => "unsupported",
        _ => "transport",
    }
}

fn upload_kind(e: &UploadError) -> &'static str {
    match e {
        UploadError::EmptyFile => "empty_file",
        UploadError::InvalidPartSize { .. } => "invalid_part_size",
        UploadError::UnknownService(_) => "unknown_service",
        UploadError::PlanMismatch(_) => "plan_mismatch",
        UploadError::InvalidPartRequest { .. } => "invalid_part_request",
        UploadError::PartRejected { .. } => "part_rejected",
        UploadError::MissingEtag { .. } => "missing_etag",
        _ => "upload",
    }
}

fn api_kind(e: &Error) -> &'static str {
    match e {
        Error::BadRequest(_) => "bad_request",
        Error::Unauthorized(_) => "unauthorized",
        Error::PaymentRequired(_) => "payment_required",
        Error::Forbidden(_) => "forbidden",
        Error::NotFound(_) => "not_found",
        Error::Conflict(_) => "conflict",
        Error::Gone(_) => "gone",
        Error::PreconditionFailed(_) => "precondition_failed",
        Error::Validation(_) => "validation",
        Error::TooManyRequests(_) => "too_many_requests",
        _ => "api",
    }
}

/// Runs one entry point: refuses an `err` that still holds live buffers, catches panics,
/// turns a failure into its code and (when `err` is not `NULL`) a filled `PolarError`.
///
/// # Safety
///
/// `err` is `NULL` or points to a `PolarError` the host owns, readable and writable.
pub(crate) unsafe fn run(err: *mut PolarError, f: impl FnOnce() -> Result<(), Failure>) -> i32 {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the caller's contract: `err` is NULL or valid for reads.
        if let Some(e) = unsafe { err.as_ref() } {
            if e.holds_live() {
                let mut f = Failure::out_not_empty("err");
                f.silent = true;
                return Err(f);
            }
        }
        f()
    }));
    let failure = match outcome {
        Ok(Ok(())) => return POLAR_OK,
        Ok(Err(failure)) => failure,
        Err(payload) => Failure::panic(payload),
    };
    let code = failure.code;
    if !failure.silent {
        // Reporting allocates; keep even that from unwinding into the host.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: the caller's contract: `err` is NULL or valid for writes. It held no
            // live buffers (checked above), so overwriting it leaks nothing.
            if let Some(e) = unsafe { err.as_mut() } {
                *e = failure.into_error();
            }
        }));
    }
    code
}

/// Runs a function that reports only a code (the free functions): panics become
/// `POLAR_ERR_PANIC`.
pub(crate) fn run_code(f: impl FnOnce() -> i32) -> i32 {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(POLAR_ERR_PANIC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_code_and_an_error() {
        let mut err = PolarError::default();
        // SAFETY: `err` is a valid, empty PolarError.
        let code = unsafe { run(&mut err, || panic!("boom")) };
        assert_eq!(code, POLAR_ERR_PANIC);
        assert_eq!(err.code, POLAR_ERR_PANIC);
        assert_eq!(err.kind.to_vec().unwrap(), b"panic");
        let message = String::from_utf8(err.message.to_vec().unwrap()).unwrap();
        assert!(message.contains("boom"), "{message}");
        // SAFETY: `err` is a PolarError the library filled.
        assert_eq!(unsafe { crate::polar_error_free(&mut err) }, POLAR_OK);
        // No `err`: the code alone.
        // SAFETY: NULL is allowed.
        let code = unsafe { run(std::ptr::null_mut(), || panic!("boom")) };
        assert_eq!(code, POLAR_ERR_PANIC);
        assert_eq!(run_code(|| panic!("boom")), POLAR_ERR_PANIC);
    }
}
