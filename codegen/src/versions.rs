//! `spec/versions.toml`: the supported API versions, where each spec comes from
//! and the checksum it must have.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::Error;

/// File name of every Intercom description, upstream and locally.
pub const SPEC_FILE: &str = "api.intercom.io.yaml";

/// The parsed `spec/versions.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Base of the raw-file URL of the upstream repository.
    pub upstream: String,
    /// Upstream commit every version is pinned to.
    pub commit: String,
    /// The versions, oldest first.
    #[serde(rename = "version")]
    pub versions: Vec<Version>,
}

/// One supported API version.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Version {
    /// Our name for it: `2.11`, `preview`.
    pub name: String,
    /// Value of the `Intercom-Version` header the version's client sends.
    pub header: String,
    /// Cargo feature and Rust module name: `v2_11`, `preview`.
    pub feature: String,
    /// Folder under `descriptions/` upstream (`0` is Preview).
    pub upstream_dir: String,
    /// Lower-case hex sha256 of the spec file.
    pub sha256: String,
    /// Whether this is the default feature (newest stable).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub default: bool,
}

impl Manifest {
    /// Reads and validates a manifest file.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text).map_err(|message| Error::Manifest {
            path: path.to_owned(),
            message,
        })
    }

    /// Parses manifest text and checks its invariants (unique names and
    /// features, well-formed checksums, exactly one default).
    pub fn parse(text: &str) -> Result<Self, String> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut seen = std::collections::BTreeSet::new();
        for v in &manifest.versions {
            if !seen.insert(v.feature.clone()) || !seen.insert(format!("name:{}", v.name)) {
                return Err(format!("version `{}` is listed twice", v.name));
            }
            let ok_feature = v
                .feature
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
                && v.feature.starts_with(|c: char| c.is_ascii_lowercase());
            if !ok_feature {
                return Err(format!(
                    "version `{}`: feature `{}` is not a valid module name",
                    v.name, v.feature
                ));
            }
            if v.sha256.len() != 64 || !v.sha256.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!(
                    "version `{}`: sha256 must be 64 hex digits",
                    v.name
                ));
            }
        }
        match manifest.versions.iter().filter(|v| v.default).count() {
            1 => Ok(manifest),
            n => Err(format!(
                "exactly one version must be `default = true`, found {n}"
            )),
        }
    }

    /// Looks a version up by feature or name.
    pub fn get(&self, key: &str) -> Option<&Version> {
        self.versions
            .iter()
            .find(|v| v.feature == key || v.name == key)
    }

    /// Upstream URL of a version's spec at the pinned commit.
    pub fn url(&self, version: &Version) -> String {
        format!(
            "{}/{}/descriptions/{}/{SPEC_FILE}",
            self.upstream.trim_end_matches('/'),
            self.commit,
            version.upstream_dir
        )
    }
}

impl Version {
    /// Where the fetched spec lives under `spec/`.
    pub fn local_path(&self, spec_dir: &Path) -> PathBuf {
        spec_dir.join(&self.name).join(SPEC_FILE)
    }

    /// Where the spec lives in a mirror laid out like the upstream repository.
    pub fn mirror_path(&self, mirror: &Path) -> PathBuf {
        mirror
            .join("descriptions")
            .join(&self.upstream_dir)
            .join(SPEC_FILE)
    }
}

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Checks `bytes` against the version's pinned checksum.
pub fn verify(version: &Version, path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let actual = sha256_hex(bytes);
    if actual.eq_ignore_ascii_case(&version.sha256) {
        Ok(())
    } else {
        Err(Error::Checksum {
            version: version.name.clone(),
            path: path.to_owned(),
            expected: version.sha256.clone(),
            actual,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"
upstream = "https://example.test/raw"
commit = "abc"
[[version]]
name = "2.11"
header = "2.11"
feature = "v2_11"
upstream_dir = "2.11"
sha256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
default = true
"#;

    #[test]
    fn parses_and_builds_urls() {
        let m = Manifest::parse(ONE).unwrap();
        let v = m.get("v2_11").unwrap();
        assert_eq!(m.get("2.11"), Some(v));
        assert_eq!(
            m.url(v),
            "https://example.test/raw/abc/descriptions/2.11/api.intercom.io.yaml"
        );
        assert_eq!(
            v.local_path(Path::new("spec")),
            Path::new("spec/2.11/api.intercom.io.yaml")
        );
    }

    #[test]
    fn rejects_duplicates_bad_hashes_and_missing_default() {
        let dup = format!("{ONE}{}", &ONE[ONE.find("[[version]]").unwrap()..]);
        assert!(Manifest::parse(&dup).unwrap_err().contains("twice"));
        let bad = ONE.replace("2cf24dba", "zzzz");
        assert!(Manifest::parse(&bad).unwrap_err().contains("64 hex"));
        let nodefault = ONE.replace("default = true", "");
        assert!(Manifest::parse(&nodefault).unwrap_err().contains("default"));
    }

    #[test]
    fn verify_names_both_hashes() {
        let m = Manifest::parse(ONE).unwrap();
        let v = &m.versions[0];
        verify(v, Path::new("x"), b"hello").unwrap();
        let err = verify(v, Path::new("x.yaml"), b"hullo")
            .unwrap_err()
            .to_string();
        assert!(err.contains("2.11") && err.contains("x.yaml"), "{err}");
        assert!(
            err.contains(&v.sha256) && err.contains(&sha256_hex(b"hullo")),
            "{err}"
        );
    }
}
