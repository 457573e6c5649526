//! `cargo xtask fetch-specs`: every pinned file into `spec/`: each version's
//! description into `spec/<version>/`, and Intercom's override files into
//! `spec/overrides/`; checksum-verified, written atomically.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use codegen::versions::{self, Pinned, Version};
use codegen::{Error, Manifest};

/// Where specs come from.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct FetchArgs {
    /// A local mirror laid out like the upstream repository
    /// (`descriptions/<dir>/api.intercom.io.yaml`, `fern/*.yml`), for offline builds.
    #[arg(long = "from", env = "INTERCOM_OPENAPI_DIR", value_name = "DIR")]
    pub from: Option<PathBuf>,
    /// Only these versions (name or feature), e.g. `--only 2.11 --only preview`.
    /// The override files are always fetched: codegen of any version reads them.
    #[arg(long)]
    pub only: Vec<String>,
}

/// What happened to one version.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Already present with the pinned checksum.
    Present,
    /// Written from the mirror or upstream.
    Fetched,
}

/// Fetches every selected version; returns each outcome.
pub fn run(args: &FetchArgs) -> Result<Vec<(String, Outcome)>, String> {
    let root = crate::root();
    let manifest = Manifest::load(&root.join("spec/versions.toml")).map_err(|e| e.to_string())?;
    let selected: Vec<Pinned> = select(&manifest, &args.only)?
        .into_iter()
        .map(Version::pinned)
        .chain(manifest.overrides.iter().map(versions::Override::pinned))
        .collect();
    let source = match &args.from {
        Some(dir) => Source::Mirror(dir.clone()),
        None => Source::Upstream,
    };
    let total = selected.len();
    let mut outcomes = Vec::new();
    for (i, file) in selected.iter().enumerate() {
        let outcome =
            fetch_one(&manifest, file, &root.join("spec"), &source).map_err(|e| e.to_string())?;
        eprintln!(
            "[{}/{total}] {:<22} {}",
            i + 1,
            file.label,
            match outcome {
                Outcome::Present => "present, verified",
                Outcome::Fetched => "fetched, verified",
            }
        );
        outcomes.push((file.label.clone(), outcome));
    }
    Ok(outcomes)
}

fn select<'m>(manifest: &'m Manifest, only: &[String]) -> Result<Vec<&'m Version>, String> {
    if only.is_empty() {
        return Ok(manifest.versions.iter().collect());
    }
    only.iter()
        .map(|key| {
            manifest
                .get(key)
                .ok_or_else(|| format!("unknown version `{key}`"))
        })
        .collect()
}

/// Where one fetch reads from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A local mirror of the upstream repository.
    Mirror(PathBuf),
    /// The upstream repository at the pinned commit.
    Upstream,
}

/// Fetches one pinned file into `spec_dir`, unless a verified copy is there.
pub fn fetch_one(
    manifest: &Manifest,
    file: &Pinned,
    spec_dir: &Path,
    source: &Source,
) -> Result<Outcome, Error> {
    let dest = file.local(spec_dir);
    if let Ok(existing) = fs::read(&dest)
        && file.verify(&dest, &existing).is_ok()
    {
        return Ok(Outcome::Present);
    }
    let (origin, bytes) = match source {
        Source::Mirror(dir) => {
            let path = file.mirror(dir);
            let bytes = fs::read(&path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            (path, bytes)
        }
        Source::Upstream => {
            let url = manifest.file_url(file);
            (
                PathBuf::from(&url),
                download(&url).map_err(|message| Error::Io {
                    path: PathBuf::from(&url),
                    source: std::io::Error::other(format!("{}: {message}", file.label)),
                })?,
            )
        }
    };
    file.verify(&origin, &bytes)?;
    write_atomically(&dest, &bytes)?;
    Ok(Outcome::Fetched)
}

fn download(url: &str) -> Result<Vec<u8>, String> {
    let mut response = ureq::get(url).call().map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    response
        .body_mut()
        .as_reader()
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// Writes via a temporary file in the same folder and a rename, so a reader
/// never sees half a file and a failure leaves nothing behind.
fn write_atomically(dest: &Path, bytes: &[u8]) -> Result<(), Error> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };
    let dir = dest.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io(dir))?;
    let name = dest.file_name().map_or_else(
        || versions::SPEC_FILE.into(),
        |n| n.to_string_lossy().into_owned(),
    );
    let tmp = dir.join(format!(".{name}.partial"));
    let result = fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| fs::rename(&tmp, dest));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(io(dest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn manifest(upstream: &str, hash: &str) -> Manifest {
        Manifest::parse(&format!(
            r#"
upstream = "{upstream}"
commit = "c0ffee"
[[version]]
name = "2.11"
header = "2.11"
feature = "v2_11"
upstream_dir = "2.11"
sha256 = "{hash}"
default = true
"#
        ))
        .unwrap()
    }

    fn mirror_with(body: &[u8]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("descriptions/2.11/api.intercom.io.yaml");
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(file, body).unwrap();
        dir
    }

    #[test]
    fn mirror_copy_is_verified_then_skipped() {
        let body = b"openapi: 3.0.1\npaths: {}\n";
        let m = manifest("http://unused", &versions::sha256_hex(body));
        let mirror = mirror_with(body);
        let spec = tempfile::tempdir().unwrap();
        let src = Source::Mirror(mirror.path().to_owned());
        assert_eq!(
            fetch_one(&m, &m.versions[0].pinned(), spec.path(), &src).unwrap(),
            Outcome::Fetched
        );
        assert_eq!(
            fs::read(spec.path().join("2.11/api.intercom.io.yaml")).unwrap(),
            body
        );
        assert_eq!(
            fetch_one(&m, &m.versions[0].pinned(), spec.path(), &src).unwrap(),
            Outcome::Present
        );
        let leftovers: Vec<_> = fs::read_dir(spec.path().join("2.11")).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temp file left behind");
    }

    #[test]
    fn checksum_mismatch_names_version_path_and_both_hashes_and_writes_nothing() {
        let m = manifest("http://unused", &versions::sha256_hex(b"the pinned bytes"));
        let mirror = mirror_with(b"tampered bytes");
        let spec = tempfile::tempdir().unwrap();
        let err = fetch_one(
            &m,
            &m.versions[0].pinned(),
            spec.path(),
            &Source::Mirror(mirror.path().to_owned()),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("2.11"), "{err}");
        assert!(
            err.contains("descriptions/2.11/api.intercom.io.yaml"),
            "{err}"
        );
        assert!(
            err.contains(&versions::sha256_hex(b"the pinned bytes")),
            "{err}"
        );
        assert!(
            err.contains(&versions::sha256_hex(b"tampered bytes")),
            "{err}"
        );
        assert!(!spec.path().join("2.11").exists());
    }

    #[test]
    fn override_files_come_from_the_mirror_into_spec_overrides() {
        let body = b"paths: {}\n";
        let hash = versions::sha256_hex(body);
        let m = Manifest::parse(&format!(
            "upstream = \"http://unused\"\ncommit = \"c0ffee\"\n[[version]]\nname = \"2.11\"\nheader = \"2.11\"\nfeature = \"v2_11\"\nupstream_dir = \"2.11\"\nsha256 = \"{hash}\"\ndefault = true\n[[override]]\nname = \"fern\"\nupstream_path = \"fern/openapi-overrides.yml\"\ntarget = \"2.11\"\nsha256 = \"{hash}\"\n"
        ))
        .unwrap();
        let mirror = tempfile::tempdir().unwrap();
        let file = mirror.path().join("fern/openapi-overrides.yml");
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(&file, body).unwrap();
        let spec = tempfile::tempdir().unwrap();
        let pinned = m.overrides[0].pinned();
        let src = Source::Mirror(mirror.path().to_owned());
        assert_eq!(
            fetch_one(&m, &pinned, spec.path(), &src).unwrap(),
            Outcome::Fetched
        );
        assert_eq!(
            fs::read(spec.path().join("overrides/openapi-overrides.yml")).unwrap(),
            body
        );
        assert_eq!(
            m.file_url(&pinned),
            "http://unused/c0ffee/fern/openapi-overrides.yml"
        );
        // A tampered copy is refused and names the override.
        fs::write(&file, b"tampered").unwrap();
        let empty = tempfile::tempdir().unwrap();
        let err = fetch_one(&m, &pinned, empty.path(), &src)
            .unwrap_err()
            .to_string();
        assert!(err.contains("override fern"), "{err}");
    }

    #[test]
    fn missing_mirror_file_is_a_clear_error() {
        let m = manifest("http://unused", &versions::sha256_hex(b"x"));
        let empty = tempfile::tempdir().unwrap();
        let spec = tempfile::tempdir().unwrap();
        let err = fetch_one(
            &m,
            &m.versions[0].pinned(),
            spec.path(),
            &Source::Mirror(empty.path().to_owned()),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("descriptions/2.11/api.intercom.io.yaml"),
            "{err}"
        );
    }

    /// Serves `body` for one request on loopback; returns the base URL and
    /// the request line it received.
    fn serve_once(
        status: &'static str,
        body: &'static [u8],
    ) -> (String, std::thread::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let handle = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap();
            let request = String::from_utf8_lossy(&buf[..n])
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned();
            let head = format!(
                "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).unwrap();
            stream.write_all(body).unwrap();
            request
        });
        (base, handle)
    }

    #[test]
    fn downloads_from_upstream_at_the_pinned_commit() {
        let body: &'static [u8] = b"openapi: 3.0.1\n";
        let (base, server) = serve_once("200 OK", body);
        let m = manifest(
            &format!("{base}/intercom/Intercom-OpenAPI"),
            &versions::sha256_hex(body),
        );
        let spec = tempfile::tempdir().unwrap();
        assert_eq!(
            fetch_one(&m, &m.versions[0].pinned(), spec.path(), &Source::Upstream).unwrap(),
            Outcome::Fetched
        );
        assert_eq!(
            server.join().unwrap(),
            "GET /intercom/Intercom-OpenAPI/c0ffee/descriptions/2.11/api.intercom.io.yaml HTTP/1.1"
        );
    }

    #[test]
    fn http_errors_name_the_version_and_url() {
        let (base, server) = serve_once("404 Not Found", b"nope");
        let m = manifest(&base, &versions::sha256_hex(b"x"));
        let spec = tempfile::tempdir().unwrap();
        let err = fetch_one(&m, &m.versions[0].pinned(), spec.path(), &Source::Upstream)
            .unwrap_err()
            .to_string();
        server.join().unwrap();
        assert!(err.contains("version 2.11") && err.contains("404"), "{err}");
        assert!(err.contains("/c0ffee/descriptions/2.11/"), "{err}");
        assert!(!spec.path().join("2.11").exists());
    }
}
