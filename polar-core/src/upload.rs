//! File uploads, sans-IO: the pieces of the three-step flow Polar expects.
//!
//! 1. `files:create` with the file's size, SHA-256 (base64) and its parts
//!    (`[chunk_start, chunk_end)` byte ranges numbered from 1, each with its own SHA-256);
//!    Polar answers with a presigned URL (and headers) per part on its storage host.
//! 2. A `PUT` of each part's bytes to its URL with those headers; the storage host answers
//!    with an `ETag`.
//! 3. `files:uploaded` with every part's number, ETag and checksum.
//!
//! This module plans the parts, computes checksums, builds every request and reads every
//! response; [`UploadExchange`] runs the whole flow as a sans-IO state machine (a failed
//! part is retried on its own, as the retry policy allows, without restarting the upload),
//! which every client's `upload_file` drives.

use crate::exchange::{CallExchange, Exchange, Fault, Options, ParseAs, RequestExchange, Step};
use crate::models::{
    DownloadableFileCreate, FileCreate, FileRead, FileServiceTypes, FileUpload,
    FileUploadCompleted, OrganizationAvatarFileCreate, ProductMediaFileCreate,
    S3FileCreateMultipart, S3FileCreatePart, S3FileUploadCompletedPart, S3FileUploadPart,
    SupportCaseAttachmentFileCreate,
};
use crate::operations::files;
use crate::{Error, Id, Patch, Str};
use base64::Engine as _;
use http::{header, HeaderName, HeaderValue, Method, Request, Response};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

/// Part size Polar's own clients use (10 MB).
pub const DEFAULT_PART_SIZE: u64 = 10_000_000;
/// The most parts one upload may have (S3's multipart limit).
pub const MAX_PARTS: u64 = 10_000;

pub use crate::runtime::operation::UploadError;

/// The SHA-256 of `bytes`, base64-encoded, as Polar and S3 expect it.
pub fn sha256_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

/// What is uploaded: the file's service (what it is for), name, MIME type and, for a personal
/// access token, the organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSpec {
    /// What the file is for (downloadable, product media, avatar, support attachment).
    pub service: FileServiceTypes,
    /// The file name.
    pub name: String,
    /// The MIME type, e.g. `application/pdf`.
    pub mime_type: String,
    /// The organization, when the credential is not an organization token.
    pub organization_id: Option<String>,
    /// Bytes per part ([`DEFAULT_PART_SIZE`] unless set).
    pub part_size: u64,
}

impl FileSpec {
    /// A file for `service` with a name and MIME type; default part size, no organization.
    pub fn new(
        service: FileServiceTypes,
        name: impl Into<String>,
        mime_type: impl Into<String>,
    ) -> Self {
        FileSpec {
            service,
            name: name.into(),
            mime_type: mime_type.into(),
            organization_id: None,
            part_size: DEFAULT_PART_SIZE,
        }
    }
}

/// One part of a planned upload: bytes `start..end` of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartRange {
    /// Part number, from 1.
    pub number: i64,
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
}

/// How a file of a given size is split into parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPlan {
    size: u64,
    parts: Vec<PartRange>,
}

impl UploadPlan {
    /// Splits `size` bytes into parts of `part_size` (the last one shorter).
    pub fn new(size: u64, part_size: u64) -> Result<Self, UploadError> {
        if size == 0 {
            return Err(UploadError::EmptyFile);
        }
        let count = match size
            .checked_add(part_size.saturating_sub(1))
            .zip(Some(part_size))
        {
            Some((n, p)) if p > 0 => n / p,
            _ => 0,
        };
        if count == 0 || count > MAX_PARTS {
            return Err(UploadError::InvalidPartSize {
                part_size,
                size,
                max_parts: MAX_PARTS,
            });
        }
        let parts = (0..count)
            .map(|i| PartRange {
                number: i as i64 + 1,
                start: i * part_size,
                end: ((i + 1) * part_size).min(size),
            })
            .collect();
        Ok(UploadPlan { size, parts })
    }

    /// The file size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The parts, in order.
    pub fn parts(&self) -> &[PartRange] {
        &self.parts
    }

    /// The `upload` of a `files:create` body, given each part's checksum in order
    /// ([`sha256_base64`] of its bytes).
    pub fn multipart(&self, part_checksums: &[String]) -> S3FileCreateMultipart {
        let parts = self
            .parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut part = S3FileCreatePart::new(p.number, p.start as i64, p.end as i64);
                if let Some(c) = part_checksums.get(i) {
                    part.checksum_sha256_base64 = Patch::Set(Str::new(c));
                }
                part
            })
            .collect();
        S3FileCreateMultipart::new(parts)
    }

    /// The `files:create` body for `file` with contents `data` (of the planned size): the
    /// checksums of the whole file and of each part computed here.
    pub fn file_create_for(&self, file: &FileSpec, data: &[u8]) -> Result<FileCreate, UploadError> {
        let part_checksums: Vec<String> = self
            .parts
            .iter()
            .map(|p| {
                let range = usize::try_from(p.start)
                    .ok()
                    .zip(usize::try_from(p.end).ok());
                sha256_base64(range.and_then(|(s, e)| data.get(s..e)).unwrap_or_default())
            })
            .collect();
        self.file_create(file, &sha256_base64(data), &part_checksums)
    }

    /// Nothing accepted yet, out of this plan's size and parts.
    pub fn progress(&self) -> UploadProgress {
        UploadProgress {
            bytes_sent: 0,
            total_bytes: self.size,
            parts_sent: 0,
            parts: self.parts.len(),
        }
    }

    /// The `files:create` body for `file`, given the whole file's checksum and each part's.
    pub fn file_create(
        &self,
        file: &FileSpec,
        checksum: &str,
        part_checksums: &[String],
    ) -> Result<FileCreate, UploadError> {
        let (name, mime_type) = (file.name.as_str(), file.mime_type.as_str());
        let size = self.size as i64;
        let upload = self.multipart(part_checksums);
        let checksum = Patch::Set(Str::new(checksum));
        let org = Patch::from_option(file.organization_id.as_deref().map(Id::new));
        let org = if org.is_null() { Patch::Absent } else { org };
        Ok(match &file.service {
            FileServiceTypes::Downloadable => {
                let mut f = DownloadableFileCreate::new(name, mime_type, size, upload);
                f.checksum_sha256_base64 = checksum;
                f.organization_id = org;
                FileCreate::DownloadableFileCreate(f)
            }
            FileServiceTypes::ProductMedia => {
                let mut f = ProductMediaFileCreate::new(name, mime_type, size, upload);
                f.checksum_sha256_base64 = checksum;
                f.organization_id = org;
                FileCreate::ProductMediaFileCreate(f)
            }
            FileServiceTypes::OrganizationAvatar => {
                let mut f = OrganizationAvatarFileCreate::new(name, mime_type, size, upload);
                f.checksum_sha256_base64 = checksum;
                f.organization_id = org;
                FileCreate::OrganizationAvatarFileCreate(f)
            }
            FileServiceTypes::SupportCaseAttachment => {
                let mut f = SupportCaseAttachmentFileCreate::new(name, mime_type, size, upload);
                f.checksum_sha256_base64 = checksum;
                f.organization_id = org;
                FileCreate::SupportCaseAttachmentFileCreate(f)
            }
            FileServiceTypes::Unknown(s) => return Err(UploadError::UnknownService(s.clone())),
        })
    }

    /// Checks Polar's answer to `files:create` against the plan: same parts, same ranges.
    pub fn check(&self, upload: &FileUpload) -> Result<(), UploadError> {
        let got = &upload.upload.parts;
        if got.len() != self.parts.len() {
            return Err(UploadError::PlanMismatch(format!(
                "{} parts planned, {} presigned",
                self.parts.len(),
                got.len()
            )));
        }
        for (want, part) in self.parts.iter().zip(got) {
            if part.number != want.number
                || part.chunk_start != want.start as i64
                || part.chunk_end != want.end as i64
            {
                return Err(UploadError::PlanMismatch(format!(
                    "part {} is bytes {}..{}, expected part {} bytes {}..{}",
                    part.number,
                    part.chunk_start,
                    part.chunk_end,
                    want.number,
                    want.start,
                    want.end
                )));
            }
        }
        Ok(())
    }
}

/// How far an upload is, reported after `files:create` and after each part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadProgress {
    /// Bytes the storage host has accepted.
    pub bytes_sent: u64,
    /// The file size.
    pub total_bytes: u64,
    /// Parts accepted.
    pub parts_sent: usize,
    /// Parts in all.
    pub parts: usize,
}

impl UploadProgress {
    /// Counts `part` as accepted by the storage host.
    pub fn part_sent(&mut self, part: &S3FileUploadPart) {
        self.bytes_sent += part.chunk_end.saturating_sub(part.chunk_start).max(0) as u64;
        self.parts_sent += 1;
    }
}

/// The bytes of `data` that `part` covers; none when its range lies outside `data`, which
/// [`part_request`]'s length check then refuses.
pub fn part_data<'d>(data: &'d [u8], part: &S3FileUploadPart) -> &'d [u8] {
    let range = usize::try_from(part.chunk_start)
        .ok()
        .zip(usize::try_from(part.chunk_end).ok());
    range.and_then(|(s, e)| data.get(s..e)).unwrap_or_default()
}

/// The `PUT` of one part's bytes to its presigned URL, with the headers Polar returned.
/// No credential: the URL itself authorizes the request.
pub fn part_request(
    part: &S3FileUploadPart,
    bytes: Vec<u8>,
) -> Result<Request<Vec<u8>>, UploadError> {
    let invalid = |reason: String| UploadError::InvalidPartRequest {
        number: part.number,
        reason,
    };
    let expected = part.chunk_end.saturating_sub(part.chunk_start);
    if i64::try_from(bytes.len()).ok() != Some(expected) {
        return Err(invalid(format!(
            "{} bytes given for a part of {expected}",
            bytes.len()
        )));
    }
    let mut builder = Request::builder()
        .method(Method::PUT)
        .uri(part.url.as_str());
    let headers = builder
        .headers_mut()
        .ok_or_else(|| invalid(format!("invalid URL {:?}", part.url)))?;
    for (name, value) in part.headers.iter().flatten() {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| invalid(format!("invalid header name {name:?}")))?;
        let value = HeaderValue::from_str(value)
            .map_err(|_| invalid(format!("invalid value for header {name}")))?;
        headers.insert(name, value);
    }
    builder.body(bytes).map_err(|e| invalid(e.to_string()))
}

/// The storage host's answer to a part: its `ETag`, or why not.
pub fn part_etag(
    part: &S3FileUploadPart,
    response: &Response<Vec<u8>>,
) -> Result<S3FileUploadCompletedPart, UploadError> {
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(UploadError::PartRejected {
            number: part.number,
            status,
        });
    }
    let etag = response
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .ok_or(UploadError::MissingEtag {
            number: part.number,
        })?;
    let mut done = S3FileUploadCompletedPart::new(part.number, etag, None);
    done.checksum_sha256_base64 = part.checksum_sha256_base64.clone();
    Ok(done)
}

/// What an upload reports: how far it is after each step, then its end.
// Moved once, straight into a match (see `Step`).
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum UploadEvent {
    /// `files:create` was accepted, or one more part was.
    Progress(UploadProgress),
    /// The file as Polar records it after `files:uploaded`, or why the upload stopped.
    Finished(Result<FileRead, Error>),
}

#[derive(Debug)]
enum UploadState {
    Create {
        exchange: CallExchange<ParseAs<files::Create>>,
        plan: UploadPlan,
    },
    Parts {
        upload: Box<FileUpload>,
        next: usize,
        current: Option<RequestExchange>,
        done: Vec<S3FileUploadCompletedPart>,
        progress: UploadProgress,
    },
    Complete(CallExchange<ParseAs<files::Uploaded>>),
    Failed(Error),
    Finished,
}

/// A whole upload as a sans-IO state machine: `files:create` with the checksums, a `PUT` of
/// each part to its presigned URL (each retried on its own as the retry policy allows: a
/// `PUT` of the same bytes is safe to repeat), then `files:uploaded` with the ETags.
/// [`Step::Done`] carries [`UploadEvent::Progress`] after each accepted step and
/// [`UploadEvent::Finished`] at the end.
///
/// Part `PUT`s carry only the headers Polar presigned: neither the credential nor the
/// options' extra headers go to the storage host. `files:uploaded` is sent only when every
/// part was accepted.
#[derive(Debug)]
pub struct UploadExchange<'d> {
    data: &'d [u8],
    options: Arc<Options>,
    state: UploadState,
}

impl<'d> UploadExchange<'d> {
    /// The upload of `data` as `file`, with `options` (server, credential, settings).
    /// Computes the checksums (SHA-256 of the file and of each part) here.
    pub fn new(file: &FileSpec, data: &'d [u8], options: Arc<Options>) -> Self {
        let start = UploadPlan::new(data.len() as u64, file.part_size)
            .and_then(|plan| Ok((plan.file_create_for(file, data)?, plan)));
        let state = match start {
            Ok((body, plan)) => UploadState::Create {
                exchange: CallExchange::new(&files::Create::new(body), &options, false),
                plan,
            },
            Err(e) => UploadState::Failed(e.into()),
        };
        UploadExchange {
            data,
            options,
            state,
        }
    }

    fn finish(&mut self, result: Result<FileRead, Error>) -> Step<UploadEvent> {
        self.state = UploadState::Finished;
        Step::Done(UploadEvent::Finished(result))
    }
}

impl Exchange for UploadExchange<'_> {
    type Output = UploadEvent;

    fn poll(&mut self, now: Duration, jitter: f64) -> Step<UploadEvent> {
        loop {
            match &mut self.state {
                UploadState::Create { exchange, plan } => {
                    let upload = match exchange.poll(now, jitter) {
                        Step::Send(o) => return Step::Send(o),
                        Step::Wait(d) => return Step::Wait(d),
                        Step::Done(Err(e)) => return self.finish(Err(e)),
                        Step::Done(Ok(upload)) => upload,
                    };
                    if let Err(e) = plan.check(&upload) {
                        return self.finish(Err(e.into()));
                    }
                    let progress = plan.progress();
                    let done = Vec::with_capacity(upload.upload.parts.len());
                    self.state = UploadState::Parts {
                        upload: Box::new(upload),
                        next: 0,
                        current: None,
                        done,
                        progress,
                    };
                    return Step::Done(UploadEvent::Progress(progress));
                }
                UploadState::Parts {
                    upload,
                    next,
                    current,
                    done,
                    progress,
                } => {
                    let Some(part) = upload.upload.parts.get(*next) else {
                        let completed = FileUploadCompleted::new(
                            &upload.upload.id,
                            &upload.upload.path,
                            std::mem::take(done),
                        );
                        let op = files::Uploaded::new(&upload.id, completed);
                        self.state =
                            UploadState::Complete(CallExchange::new(&op, &self.options, false));
                        continue;
                    };
                    let data = self.data;
                    let settings = self.options.settings;
                    let exchange = current.get_or_insert_with(|| {
                        let request = part_request(part, part_data(data, part).to_vec());
                        RequestExchange::new(request.map_err(Error::from), settings, true)
                    });
                    let response = match exchange.poll(now, jitter) {
                        Step::Send(o) => return Step::Send(o),
                        Step::Wait(d) => return Step::Wait(d),
                        Step::Done(Err(e)) => return self.finish(Err(e)),
                        Step::Done(Ok(response)) => response,
                    };
                    match part_etag(part, &response) {
                        Ok(etag) => {
                            done.push(etag);
                            progress.part_sent(part);
                            *next += 1;
                            *current = None;
                            return Step::Done(UploadEvent::Progress(*progress));
                        }
                        Err(e) => return self.finish(Err(e.into())),
                    }
                }
                UploadState::Complete(exchange) => {
                    return match exchange.poll(now, jitter) {
                        Step::Send(o) => Step::Send(o),
                        Step::Wait(d) => Step::Wait(d),
                        Step::Done(result) => self.finish(result),
                    }
                }
                UploadState::Failed(_) => {
                    let e = match std::mem::replace(&mut self.state, UploadState::Finished) {
                        UploadState::Failed(e) => e,
                        _ => Error::Misuse("upload state changed underfoot"),
                    };
                    return self.finish(Err(e));
                }
                UploadState::Finished => {
                    return Step::Done(UploadEvent::Finished(Err(Error::Misuse(
                        "polled after it finished",
                    ))))
                }
            }
        }
    }

    fn handle(&mut self, outcome: Result<http::Response<Vec<u8>>, Fault>) {
        match &mut self.state {
            UploadState::Create { exchange, .. } => exchange.handle(outcome),
            UploadState::Parts {
                current: Some(exchange),
                ..
            } => exchange.handle(outcome),
            UploadState::Complete(exchange) => exchange.handle(outcome),
            _ => {
                self.state = UploadState::Failed(Error::Misuse(
                    "a response was handed back with no request in flight",
                ))
            }
        }
    }

    fn fail(&mut self, fault: Fault) {
        match &mut self.state {
            UploadState::Create { exchange, .. } => exchange.fail(fault),
            UploadState::Parts {
                current: Some(exchange),
                ..
            } => exchange.fail(fault),
            UploadState::Complete(exchange) => exchange.fail(fault),
            UploadState::Finished | UploadState::Failed(_) => {}
            UploadState::Parts { .. } => {
                self.state = UploadState::Failed(Error::Transport { fault, attempts: 0 })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_parts() {
        assert_eq!(UploadPlan::new(0, 10), Err(UploadError::EmptyFile));
        assert!(matches!(
            UploadPlan::new(5, 0),
            Err(UploadError::InvalidPartSize { .. })
        ));
        assert!(matches!(
            UploadPlan::new(u64::MAX, 1),
            Err(UploadError::InvalidPartSize { .. })
        ));
        let one = UploadPlan::new(1, 10).unwrap();
        assert_eq!(
            one.parts(),
            &[PartRange {
                number: 1,
                start: 0,
                end: 1
            }]
        );
        let exact = UploadPlan::new(10, 10).unwrap();
        assert_eq!(
            exact.parts(),
            &[PartRange {
                number: 1,
                start: 0,
                end: 10
            }]
        );
        let several = UploadPlan::new(25, 10).unwrap();
        assert_eq!(
            several
                .parts()
                .iter()
                .map(|p| (p.number, p.start, p.end))
                .collect::<Vec<_>>(),
            vec![(1, 0, 10), (2, 10, 20), (3, 20, 25)]
        );
    }

    #[test]
    fn checksums_are_base64_sha256() {
        // SHA-256 of "abc", base64.
        assert_eq!(
            sha256_base64(b"abc"),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
    }
}
