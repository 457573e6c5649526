//! Operations with `multipart/form-data` bodies, which codegen cannot generate
//! (see the regen report's dropped list),
//! written by hand on the same runtime as the generated ones.

#[cfg(feature = "preview")]
pub mod preview {
    //! Preview: `uploadEcommerceCatalog`, a `multipart/form-data` upload
    //! (progenitor generates no multipart bodies).

    use bytes::Bytes;
    use reqwest::header::{CONTENT_TYPE, HeaderValue};
    use reqwest::{Method, StatusCode};

    use crate::{Client, Error, Operation, Result};
    use intercom_api_preview::{INTERCOM_VERSION, types};

    /// The operation, as it appears in traces.
    pub static UPLOAD_ECOMMERCE_CATALOG: Operation = Operation {
        id: "uploadEcommerceCatalog",
        method: "POST",
        path: "/ecommerce/connectors/{id}/catalog",
        rust_name: "upload_ecommerce_catalog",
        // Hand-written here, so not on the generated grouped client.
        call: "",
        version: INTERCOM_VERSION,
        op_type: "",
    };

    /// One request of a catalog upload: a single file, one part of a
    /// multipart session, or the finalization of a session.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct CatalogUpload {
        /// The catalog JSON (an array of products); absent when finalizing.
        pub catalog: Option<Bytes>,
        /// `Some(false)` for a part, `Some(true)` to finalize, `None` for a single file.
        pub finalize: Option<bool>,
        /// The session's job id (parts ≥ 2 and finalization).
        pub import_job_id: Option<String>,
        /// The part number within a session.
        pub part_number: Option<u32>,
    }

    impl CatalogUpload {
        /// A single-file upload of `catalog`.
        pub fn single(catalog: impl Into<Bytes>) -> Self {
            Self {
                catalog: Some(catalog.into()),
                ..Self::default()
            }
        }

        fn encode(&self, boundary: &str) -> Vec<u8> {
            let mut body = Vec::new();
            let mut field = |name: &str, extra: &str, value: &[u8]| {
                body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"{extra}\r\n\r\n").as_bytes());
                body.extend_from_slice(value);
                body.extend_from_slice(b"\r\n");
            };
            if let Some(catalog) = &self.catalog {
                field(
                    "catalog",
                    "; filename=\"catalog.json\"\r\nContent-Type: application/json",
                    catalog,
                );
            }
            if let Some(finalize) = self.finalize {
                field("finalize", "", if finalize { b"true" } else { b"false" });
            }
            if let Some(job) = &self.import_job_id {
                field("import_job_id", "", job.as_bytes());
            }
            if let Some(part) = self.part_number {
                field("part_number", "", part.to_string().as_bytes());
            }
            body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
            body
        }
    }

    /// What Intercom answered to a catalog upload.
    #[derive(Debug, Clone)]
    #[non_exhaustive]
    pub enum CatalogUploaded {
        /// 200: a part of a multipart session was stored.
        Part(types::EcommerceCatalogUploadPartResponse),
        /// 202: the catalog was accepted and sync has started.
        Accepted(types::EcommerceCatalogUploadResponse),
    }

    impl Client {
        /// `POST /ecommerce/connectors/{id}/catalog` (Preview): uploads a
        /// product catalog, or one part of it, or finalizes a multipart
        /// session. Sent through the client's runtime: auth, version header,
        /// rate limiting and retries (a POST: retried after 5xx only with
        /// [`RetryConfig::retry_non_idempotent`](crate::RetryConfig)).
        pub async fn upload_ecommerce_catalog(
            &self,
            connector_id: &str,
            upload: &CatalogUpload,
        ) -> Result<CatalogUploaded> {
            let mut url = self.base_url().clone();
            url.path_segments_mut()
                .map_err(|()| Error::InvalidRequest("base URL cannot have a path".into()))?
                .pop_if_empty()
                .extend(["ecommerce", "connectors", connector_id, "catalog"]);
            let boundary = format!(
                "intercom-rs-{:016x}{:016x}",
                fastrand::u64(..),
                fastrand::u64(..)
            );
            let content_type =
                HeaderValue::from_str(&format!("multipart/form-data; boundary={boundary}"))
                    .map_err(|e| Error::InvalidRequest(e.to_string()))?;
            let request = self
                .http()
                .request(Method::POST, url)
                .header(CONTENT_TYPE, content_type)
                .header("intercom-version", INTERCOM_VERSION)
                .header(reqwest::header::ACCEPT, "application/json")
                .body(upload.encode(&boundary))
                .build()?;
            let mut response = self.send(request, &UPLOAD_ECOMMERCE_CATALOG).await?;
            let status = response.status();
            let headers = std::mem::take(response.headers_mut());
            let body = intercom_client_core::body::into_bytes(response).await?;
            let decode = |e: serde_json::Error| {
                Error::decode(Some(UPLOAD_ECOMMERCE_CATALOG.id.to_owned()), &body, e)
            };
            match status {
                StatusCode::OK => serde_json::from_slice(&body)
                    .map(CatalogUploaded::Part)
                    .map_err(decode),
                StatusCode::ACCEPTED => serde_json::from_slice(&body)
                    .map(CatalogUploaded::Accepted)
                    .map_err(decode),
                _ => Err(Error::from_response(status, &headers, Some(&body))),
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn multipart_body_has_each_present_field_once() {
            let upload = CatalogUpload {
                catalog: Some(Bytes::from_static(b"[{\"id\":\"1\"}]")),
                finalize: Some(false),
                import_job_id: None,
                part_number: Some(2),
            };
            let body = String::from_utf8(upload.encode("B")).unwrap();
            assert_eq!(
                body,
                "--B\r\nContent-Disposition: form-data; name=\"catalog\"; filename=\"catalog.json\"\r\nContent-Type: application/json\r\n\r\n[{\"id\":\"1\"}]\r\n\
                 --B\r\nContent-Disposition: form-data; name=\"finalize\"\r\n\r\nfalse\r\n\
                 --B\r\nContent-Disposition: form-data; name=\"part_number\"\r\n\r\n2\r\n\
                 --B--\r\n"
            );
        }
    }
}
