//! File uploads over `fetch`: the async counterpart of `polar-blocking`'s `upload_file`.
//! The core plans the parts, computes the checksums and builds and reads every request;
//! this module only sends them, in order.

use crate::{models, operations, Client, Error};
use polar_core::upload::{part_etag, part_request, sha256_base64, FileSpec, UploadPlan};
use std::rc::Rc;

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

impl Client {
    /// Uploads a file of any size the way Polar expects: `files:create` with per-part and
    /// whole-file SHA-256 checksums, a `PUT` of each part to its presigned URL (a failed part
    /// is retried on its own, as the retry policy allows, without restarting the upload),
    /// then `files:uploaded` with the ETags. `progress` is called after each step.
    ///
    /// Part `PUT`s carry only the headers Polar presigned: neither the credential nor the
    /// client's extra headers ([`ClientBuilder::header`](crate::ClientBuilder::header)) go
    /// to the storage host. In a browser the storage host must allow the page's origin
    /// (CORS) and expose `ETag`, or the part is refused with
    /// [`UploadError::MissingEtag`](polar_core::upload::UploadError::MissingEtag).
    ///
    /// Failures are typed: [`Error::Upload`] (empty file, a part refused, no ETag, a plan
    /// Polar did not follow), [`Error::Transport`] for a part whose every attempt failed,
    /// [`Error::Api`] for Polar's answers. `files:uploaded` is sent only when every part was
    /// accepted.
    pub async fn upload_file(
        &self,
        file: &FileSpec,
        data: &[u8],
        mut progress: impl FnMut(UploadProgress),
    ) -> Result<models::FileRead, Error> {
        let plan = UploadPlan::new(data.len() as u64, file.part_size)?;
        // Ranges come from the plan or from Polar's answer once `check`ed against it; an
        // out-of-range one yields no bytes and the core's length check refuses the part.
        let slice = |start: u64, end: u64| -> &[u8] {
            let range = usize::try_from(start).ok().zip(usize::try_from(end).ok());
            range.and_then(|(s, e)| data.get(s..e)).unwrap_or_default()
        };
        let part_checksums: Vec<String> = plan
            .parts()
            .iter()
            .map(|p| sha256_base64(slice(p.start, p.end)))
            .collect();
        let body = plan.file_create(file, &sha256_base64(data), &part_checksums)?;
        let upload = self.send(&operations::files::Create::new(body)).await?;
        plan.check(&upload)?;
        let mut status = UploadProgress {
            bytes_sent: 0,
            total_bytes: plan.size(),
            parts_sent: 0,
            parts: plan.parts().len(),
        };
        progress(status);

        let storage = self.storage();
        let mut done = Vec::with_capacity(upload.upload.parts.len());
        for part in &upload.upload.parts {
            let (start, end) = (part.chunk_start as u64, part.chunk_end as u64);
            let request = part_request(part, slice(start, end).to_vec())?;
            // A PUT of the same bytes is safe to repeat: the policy may retry it.
            let response = crate::execute(storage.clone(), request, true).await?;
            done.push(part_etag(part, &response)?);
            status.bytes_sent += end.saturating_sub(start);
            status.parts_sent += 1;
            progress(status);
        }

        let completed =
            models::FileUploadCompleted::new(&upload.upload.id, &upload.upload.path, done);
        self.send(&operations::files::Uploaded::new(&upload.id, completed))
            .await
    }

    /// The settings for the storage host: the same timeouts, retries and `fetch`, without
    /// the client's extra headers (a presigned URL is its own authorization, and a header
    /// the bucket's CORS rules do not allow would fail the preflight).
    fn storage(&self) -> Rc<crate::Inner> {
        let mut inner = (*self.inner).clone();
        inner.headers.clear();
        inner.credential = None;
        Rc::new(inner)
    }
}
