//! The one error type of codegen: everything that can go wrong between a
//! spec file and a module. A leaf: both stages and the pipeline use it.

use std::path::PathBuf;

/// Everything that can go wrong between a spec file and a module.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// `spec/versions.toml` is malformed.
    #[error("{path}: {message}")]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A spec file's sha256 is not the pinned one.
    #[error("{file}: {path} has sha256 {actual}, expected {expected}")]
    Checksum {
        /// What the file is: `version 2.11`, `override fern`.
        file: String,
        /// The file checked.
        path: PathBuf,
        /// Pinned hash.
        expected: String,
        /// Hash of the file.
        actual: String,
    },
    /// The spec is not valid YAML / OpenAPI 3.0.
    #[error("spec does not parse: {0}")]
    Parse(String),
    /// progenitor or a post-pass failed.
    #[error("generation failed: {0}")]
    Generate(String),
}

/// The text of a panic's payload (a `String` or `&str` message): progenitor
/// and typify report some unsupported constructs by panicking.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "a panic without a message".into())
}
