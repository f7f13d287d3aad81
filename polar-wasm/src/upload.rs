//! File uploads over `fetch`: the async counterpart of `polar-blocking`'s `upload_file`.
//! The core plans the parts, computes the checksums and builds and reads every request;
//! this module only sends them, in order.

use crate::{models, operations, Client, Error};
pub use polar_core::upload::UploadProgress;
use polar_core::upload::{part_data, part_etag, part_request, FileSpec, UploadPlan};
use std::rc::Rc;

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
        let body = plan.file_create_for(file, data)?;
        let upload = self.send(&operations::files::Create::new(body)).await?;
        plan.check(&upload)?;
        let mut status = plan.progress();
        progress(status);

        let storage = self.storage();
        let mut done = Vec::with_capacity(upload.upload.parts.len());
        for part in &upload.upload.parts {
            let request = part_request(part, part_data(data, part).to_vec())?;
            // A PUT of the same bytes is safe to repeat: the policy may retry it.
            let response = crate::execute(storage.clone(), request, true).await?;
            done.push(part_etag(part, &response)?);
            status.part_sent(part);
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
