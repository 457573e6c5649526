//! Requests the generated clients send are valid by an independent judge:
//! Stoplight Prism serves the published spec (2.11 with our overlay defining
//! its missing `custom_attributes` schema) and validates each request. One
//! operation per tag (one with a request example where the tag has one) is
//! called through the typed client with the spec's own request examples, in
//! turn, until one validates (specs also carry deliberately invalid examples,
//! to illustrate a 400); every call must validate,
//! except the reviewed spec self-contradictions in
//! `tests/known-conformance-failures.toml` (an exact list: a listed call that
//! now validates fails the test too).
//!
//! Prism comes from npm: `cargo xtask test` installs the pinned version into
//! `tests/prism/` (`npm ci --prefix tests/prism`). A test that cannot run
//! Prism fails, saying how to install it: it never passes unrun.

use std::collections::BTreeSet;

use intercom_client_core::Transport;
use intercom_client_core::dispatch::DispatchError;
use intercom_tests::conformance::{
    Planned, Prism, Recorder, known_rejections, plan, prism_bin, served_spec, tags,
};
use intercom_tests::{spec_text, workspace_root};

/// Prism's binary; a test without it fails (never passes unrun).
fn prism_or_fail() -> std::path::PathBuf {
    prism_bin().unwrap_or_else(|| {
        panic!(
            "Prism is not installed: run `npm ci --prefix {}` (needs npm; `cargo xtask test` does it) or set PRISM_BIN",
            workspace_root().join("tests/prism").display()
        )
    })
}

/// What Prism (or the typed client) said about one attempt at a call.
fn verdict(
    planned: &Planned,
    outcome: &Result<(), DispatchError>,
    recorder: &Recorder,
    sent_before: usize,
) -> Result<String, String> {
    if let Err(e @ DispatchError::Argument { .. }) = outcome {
        return Err(format!("the typed client cannot take it: {e}"));
    }
    let exchanges = recorder.exchanges();
    let Some(exchange) = exchanges[sent_before..]
        .iter()
        .find(|x| x.operation.id == planned.operation_id)
    else {
        return Err(format!("no request was sent: {outcome:?}"));
    };
    if !exchange.validated() {
        return Err(format!(
            "Prism answered {} with request violations {:?}",
            exchange.status, exchange.request_violations
        ));
    }
    Ok(match outcome {
        Ok(()) => format!("{} validated, response decoded", exchange.status),
        Err(e) => format!(
            "{} validated; response did not decode: {e}",
            exchange.status
        ),
    })
}

macro_rules! conformance_tests {
    ($($feature:ident = $name:literal => $krate:ident, $version:literal, $header:literal;)*) => {$(
        #[cfg(feature = $name)]
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $feature() {
            let bin = prism_or_fail();
            let version = intercom_tests::manifest()
                .versions
                .into_iter()
                .find(|v| v.feature == $name)
                .expect("version in the manifest");
            let text = spec_text(&version);
            let normalised = intercom_tests::prepared(&version).spec;
            let planned = plan(&normalised.doc);
            let prism = tokio::task::spawn_blocking({
                let spec = served_spec(&text);
                move || Prism::start(&bin, $name, &spec)
            })
            .await
            .expect("start task")
            .unwrap_or_else(|e| panic!("{e}"));

            let recorder = Recorder::default();
            let client = $krate::Client::new(&prism.url, Transport::new(recorder.clone()));
            let known: BTreeSet<String> = known_rejections()
                .into_iter()
                .filter(|k| k.version == version.name)
                .map(|k| k.operation)
                .collect();
            let (mut validated, mut with_example, mut rejected) = (0, 0, BTreeSet::new());
            let mut problems = Vec::new();
            for call in &planned {
                // The first request example the typed client takes and
                // Prism validates; every attempt's reason if none does.
                let mut result = Err(Vec::new());
                for (example, args) in call.attempts() {
                    let Some(started) = $krate::builder::dispatch(&client, &call.operation_id, &args) else {
                        result = Err(vec![format!("`{}` has no generated operation", call.operation_id)]);
                        break;
                    };
                    let sent_before = recorder.exchanges().len();
                    let outcome = started.await;
                    let label = example.map_or_else(String::new, |e| format!("example `{e}`: "));
                    match verdict(call, &outcome, &recorder, sent_before) {
                        Ok(note) => {
                            result = Ok(format!("{label}{note}"));
                            with_example += usize::from(example.is_some());
                            break;
                        }
                        Err(why) => {
                            if let Err(reasons) = &mut result {
                                reasons.push(format!("{label}{why}"));
                            }
                        }
                    }
                }
                match result.map_err(|reasons| reasons.join("; ")) {
                    Ok(note) => {
                        validated += 1;
                        println!("{:8} {:28} {:40} {note}", version.name, call.tag, call.operation_id);
                        if known.contains(&call.operation_id) {
                            problems.push(format!(
                                "{} `{}` is listed in tests/known-conformance-failures.toml but validates: remove it",
                                version.name, call.operation_id
                            ));
                        }
                    }
                    Err(why) => {
                        rejected.insert(call.operation_id.clone());
                        println!("{:8} {:28} {:40} REJECTED: {why}", version.name, call.tag, call.operation_id);
                        if !known.contains(&call.operation_id) {
                            problems.push(format!(
                                "{} {} `{}` ({}): {why}",
                                version.name, call.tag, call.operation_id, call.route
                            ));
                        }
                    }
                }
            }
            for stale in known.difference(&rejected) {
                if !planned.iter().any(|p| &p.operation_id == stale) {
                    problems.push(format!("{} `{stale}` is listed as a known failure but is not called", version.name));
                }
            }
            let covered: BTreeSet<&str> = planned.iter().map(|p| p.tag.as_str()).collect();
            let all_tags = tags(&normalised.doc);
            let response_violations: usize =
                recorder.exchanges().iter().map(|x| x.response_violations).sum();
            println!(
                "{}: {} of {} tags called, {validated} validated ({with_example} with the spec's request example), {} known spec contradictions; Prism found {response_violations} violations in the spec's own response examples",
                version.name,
                covered.len(),
                all_tags.len(),
                rejected.len()
            );
            for tag in all_tags.iter().filter(|t| !covered.contains(t.as_str())) {
                problems.push(format!("{}: tag `{tag}` has no callable operation", version.name));
            }
            drop(prism);
            assert!(problems.is_empty(), "{} conformance problems:\n{}", problems.len(), problems.join("\n"));
        }
    )*};
}

conformance_tests!(
    v2_11 = "v2_11" => intercom_api_v2_11, "2.11", "2.11";
    v2_16 = "v2_16" => intercom_api_v2_16, "2.16", "2.16";
    preview = "preview" => intercom_api_preview, "Preview", "Preview";
);
