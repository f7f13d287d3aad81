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
//! response; a transport (e.g. `polar-blocking`'s `upload_file`) reads the file, sends, and
//! retries a failed part without restarting the upload.

use crate::models::{
    DownloadableFileCreate, FileCreate, FileServiceTypes, FileUpload, OrganizationAvatarFileCreate,
    ProductMediaFileCreate, S3FileCreateMultipart, S3FileCreatePart, S3FileUploadCompletedPart,
    S3FileUploadPart, SupportCaseAttachmentFileCreate,
};
use crate::Patch;
use base64::Engine as _;
use http::{header, HeaderName, HeaderValue, Method, Request, Response};
use sha2::{Digest, Sha256};

/// Part size Polar's own clients use (10 MB).
pub const DEFAULT_PART_SIZE: u64 = 10_000_000;
/// The most parts one upload may have (S3's multipart limit).
pub const MAX_PARTS: u64 = 10_000;

/// Why an upload cannot go on. Nothing is left half-done silently: the step that failed
/// and, for a part, its number are named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UploadError {
    /// Polar does not take empty files.
    #[error("the file is empty")]
    EmptyFile,
    /// The part size is zero, or the file would need more than [`MAX_PARTS`] parts.
    #[error(
        "invalid part size {part_size} for a file of {size} bytes (at most {MAX_PARTS} parts)"
    )]
    InvalidPartSize {
        /// The requested part size.
        part_size: u64,
        /// The file size.
        size: u64,
    },
    /// The service has no file type this SDK knows how to create.
    #[error("files cannot be created for service `{0}`")]
    UnknownService(String),
    /// Polar's answer to `files:create` does not match the parts that were asked for.
    #[error("Polar's upload plan does not match the file: {0}")]
    PlanMismatch(String),
    /// A presigned part URL or header that cannot form a request.
    #[error("part {number}: invalid presigned request: {reason}")]
    InvalidPartRequest {
        /// The part number.
        number: i64,
        /// Why.
        reason: String,
    },
    /// The storage host refused a part (e.g. 403 for an expired URL).
    #[error("part {number}: storage host answered {status}")]
    PartRejected {
        /// The part number.
        number: i64,
        /// The HTTP status.
        status: u16,
    },
    /// The storage host accepted a part but sent no `ETag`.
    #[error("part {number}: no ETag in the storage host's answer")]
    MissingEtag {
        /// The part number.
        number: i64,
    },
}

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
            return Err(UploadError::InvalidPartSize { part_size, size });
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
                    part.checksum_sha256_base64 = Patch::Set(c.clone());
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
        let checksum = Patch::Set(checksum.to_owned());
        let org = Patch::from_option(file.organization_id.clone());
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
