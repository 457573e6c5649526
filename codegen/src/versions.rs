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
    /// Intercom's corrections for its own SDKs, applied in this order.
    #[serde(rename = "override", default)]
    pub overrides: Vec<Override>,
}

/// One of Intercom's override files (`fern/*.yml` upstream): corrections
/// Intercom makes to a published description for its official SDKs.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// Our name for it, printed in reports: `fern`, `fern-preview`.
    pub name: String,
    /// Path of the file in the upstream repository.
    pub upstream_path: String,
    /// Name of the version whose description the file corrects.
    pub target: String,
    /// Lower-case hex sha256 of the file.
    pub sha256: String,
    /// Whether it corrects its target only, never another version of the
    /// same shape (Preview's corrections describe Preview's wire format).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub only_target: bool,
}

/// An override file with the description of the version it targets, as a
/// version crate's build script needs them (`[package.metadata.intercom]`).
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OverrideSource {
    /// The override's name.
    pub name: String,
    /// Path of the file in the upstream repository.
    pub upstream_path: String,
    /// Lower-case hex sha256 of the file.
    pub sha256: String,
    /// Name of the version it targets.
    pub target: String,
    /// The target's folder under `descriptions/` upstream.
    pub target_upstream_dir: String,
    /// The sha256 of the target's description.
    pub target_sha256: String,
    /// Whether it corrects its target only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub only_target: bool,
}

impl OverrideSource {
    /// The override file.
    pub fn file(&self) -> Pinned {
        Override {
            name: self.name.clone(),
            upstream_path: self.upstream_path.clone(),
            target: self.target.clone(),
            sha256: self.sha256.clone(),
            only_target: self.only_target,
        }
        .pinned()
    }

    /// The target version's description.
    pub fn target_spec(&self) -> Pinned {
        description(&self.target, &self.target_upstream_dir, &self.target_sha256)
    }
}

/// Where a version's description comes from, as a version crate's build
/// script needs it for another version (`[package.metadata.intercom]`).
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DescriptionSource {
    /// The version's name.
    pub name: String,
    /// Its folder under `descriptions/` upstream.
    pub upstream_dir: String,
    /// The sha256 of its description.
    pub sha256: String,
}

impl DescriptionSource {
    /// The description as a pinned file.
    pub fn pinned(&self) -> Pinned {
        description(&self.name, &self.upstream_dir, &self.sha256)
    }
}

/// A file pinned by `spec/versions.toml`: a version's description or an
/// override file, with where it lives upstream and locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinned {
    /// What it is, for messages: `version 2.14`, `override fern`.
    pub label: String,
    /// Path in the upstream repository (and in a mirror of it).
    pub upstream_path: String,
    /// Path under `spec/`.
    pub local_path: String,
    /// Lower-case hex sha256.
    pub sha256: String,
}

impl Pinned {
    /// Where the file lives under `spec_dir`.
    pub fn local(&self, spec_dir: &Path) -> PathBuf {
        spec_dir.join(&self.local_path)
    }

    /// Where the file lives in a mirror laid out like the upstream repository.
    pub fn mirror(&self, mirror: &Path) -> PathBuf {
        mirror.join(&self.upstream_path)
    }

    /// Checks `bytes` against the pinned checksum.
    pub fn verify(&self, path: &Path, bytes: &[u8]) -> Result<(), Error> {
        let actual = sha256_hex(bytes);
        if actual.eq_ignore_ascii_case(&self.sha256) {
            Ok(())
        } else {
            Err(Error::Checksum {
                file: self.label.clone(),
                path: path.to_owned(),
                expected: self.sha256.clone(),
                actual,
            })
        }
    }
}

impl Override {
    /// The override file as a pinned file, stored under `spec/overrides/`.
    pub fn pinned(&self) -> Pinned {
        let file = self
            .upstream_path
            .rsplit('/')
            .next()
            .unwrap_or(&self.upstream_path);
        Pinned {
            label: format!("override {}", self.name),
            upstream_path: self.upstream_path.clone(),
            local_path: format!("overrides/{file}"),
            sha256: self.sha256.clone(),
        }
    }
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
            check_sha256(&format!("version `{}`", v.name), &v.sha256)?;
        }
        let mut files = std::collections::BTreeSet::new();
        for o in &manifest.overrides {
            if !seen.insert(format!("override:{}", o.name)) || !files.insert(o.pinned().local_path)
            {
                return Err(format!("override `{}` is listed twice", o.name));
            }
            if manifest.get(&o.target).is_none() {
                return Err(format!(
                    "override `{}` targets `{}`, which is not a listed version",
                    o.name, o.target
                ));
            }
            check_sha256(&format!("override `{}`", o.name), &o.sha256)?;
            if o.upstream_path.starts_with('/') || o.upstream_path.split('/').any(|c| c == "..") {
                return Err(format!(
                    "override `{}`: upstream_path must be relative to the repository",
                    o.name
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
        self.file_url(&version.pinned())
    }

    /// Upstream URL of a pinned file at the pinned commit.
    pub fn file_url(&self, file: &Pinned) -> String {
        format!(
            "{}/{}/{}",
            self.upstream.trim_end_matches('/'),
            self.commit,
            file.upstream_path
        )
    }

    /// Each override with its target's description (validated to exist).
    pub fn override_sources(&self) -> Vec<OverrideSource> {
        self.overrides
            .iter()
            .filter_map(|o| {
                let target = self.get(&o.target)?;
                Some(OverrideSource {
                    name: o.name.clone(),
                    upstream_path: o.upstream_path.clone(),
                    sha256: o.sha256.clone(),
                    target: target.name.clone(),
                    target_upstream_dir: target.upstream_dir.clone(),
                    target_sha256: target.sha256.clone(),
                    only_target: o.only_target,
                })
            })
            .collect()
    }

    /// The versions listed before `version` (oldest first), whose
    /// descriptions codegen reads for what they declared (see
    /// [`crate::spec::inherit_paging_params`]).
    pub fn earlier_sources(&self, version: &str) -> Vec<DescriptionSource> {
        self.versions
            .iter()
            .take_while(|v| v.name != version)
            .map(|v| DescriptionSource {
                name: v.name.clone(),
                upstream_dir: v.upstream_dir.clone(),
                sha256: v.sha256.clone(),
            })
            .collect()
    }

    /// Every pinned file: each version's description, then each override.
    pub fn files(&self) -> Vec<Pinned> {
        self.versions
            .iter()
            .map(Version::pinned)
            .chain(self.overrides.iter().map(Override::pinned))
            .collect()
    }
}

impl Version {
    /// The version's description as a pinned file.
    pub fn pinned(&self) -> Pinned {
        description(&self.name, &self.upstream_dir, &self.sha256)
    }

    /// Where the fetched spec lives under `spec/`.
    pub fn local_path(&self, spec_dir: &Path) -> PathBuf {
        self.pinned().local(spec_dir)
    }

    /// Where the spec lives in a mirror laid out like the upstream repository.
    pub fn mirror_path(&self, mirror: &Path) -> PathBuf {
        self.pinned().mirror(mirror)
    }
}

/// Checks that `sha256` is 64 hex digits; `what` names its entry.
fn check_sha256(what: &str, sha256: &str) -> Result<(), String> {
    if sha256.len() == 64 && sha256.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(format!("{what}: sha256 must be 64 hex digits"))
    }
}

/// Reads a pinned file from `spec_dir` (the checkout's `spec/`), verified.
pub fn read_local(spec_dir: &Path, file: &Pinned) -> Result<Vec<u8>, String> {
    let path = file.local(spec_dir);
    let bytes = std::fs::read(&path).map_err(|e| {
        format!(
            "{} ({}): {e}; run `cargo xtask fetch-specs`",
            file.label,
            path.display()
        )
    })?;
    file.verify(&path, &bytes).map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// The description of version `name`, pinned.
fn description(name: &str, upstream_dir: &str, sha256: &str) -> Pinned {
    Pinned {
        label: format!("version {name}"),
        upstream_path: format!("descriptions/{upstream_dir}/{SPEC_FILE}"),
        local_path: format!("{name}/{SPEC_FILE}"),
        sha256: sha256.to_owned(),
    }
}

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Checks `bytes` against the version's pinned checksum.
pub fn verify(version: &Version, path: &Path, bytes: &[u8]) -> Result<(), Error> {
    version.pinned().verify(path, bytes)
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
    fn overrides_must_target_a_listed_version_once() {
        let with = |target: &str, name: &str| {
            format!(
                "{ONE}[[override]]\nname = \"{name}\"\nupstream_path = \"fern/o.yml\"\ntarget = \"{target}\"\nsha256 = \"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\"\n"
            )
        };
        let m = Manifest::parse(&with("2.11", "fern")).unwrap();
        let sources = m.override_sources();
        assert_eq!(sources[0].target_upstream_dir, "2.11");
        assert_eq!(sources[0].file().local_path, "overrides/o.yml");
        assert_eq!(m.files().len(), 2);
        assert!(
            Manifest::parse(&with("9.9", "fern"))
                .unwrap_err()
                .contains("not a listed version")
        );
        let twice = format!(
            "{}{}",
            with("2.11", "fern"),
            &with("2.11", "fern")[ONE.len()..]
        );
        assert!(Manifest::parse(&twice).unwrap_err().contains("twice"));
        let escaping = with("2.11", "fern").replace("fern/o.yml", "../o.yml");
        assert!(Manifest::parse(&escaping).unwrap_err().contains("relative"));
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
