//! Every JSON response example in every enabled version's spec deserializes
//! into the generated success or error type of its operation. An example that
//! contradicts its own schema must be listed, with the reason, in
//! `tests/known-example-failures.toml`; the list must stay exact (a listed
//! example that now decodes fails too, so the list never rots). The check is
//! strict, so spec drift stays visible; it also counts what lenient decoding
//! (how calls decode) makes of the listed failures.

use std::collections::BTreeSet;

use intercom_tests::{
    Outcome, decode, enabled, known_failures, response_examples, spec_text, version_of,
};

#[test]
fn every_response_example_is_accounted_for() {
    let known = known_failures();
    let mut problems = Vec::new();
    for module in enabled() {
        let version = version_of(&module);
        let text = spec_text(&version);
        let inputs = intercom_tests::inputs(&version);
        let spec = codegen::normalised(&version.name, &text, &inputs)
            .expect("spec normalises")
            .spec;
        let examples = response_examples(&spec.doc);
        // Normalisation must not lose examples: those missing afterwards all
        // belong to operations the report lists as dropped. (Intercom's
        // override files may delete examples: Preview's drops a 500's.)
        let mut raw = codegen::spec::load(&text).expect("spec loads");
        codegen::spec::overrides::apply(&mut raw, &version.name, &inputs.overrides);
        let raw = response_examples(&raw);
        let on_dropped = raw
            .iter()
            .filter(|e| {
                spec.dropped
                    .iter()
                    .any(|d| d.method == e.method && d.path == e.path)
            })
            .count();
        assert_eq!(
            raw.len(),
            examples.len() + on_dropped,
            "{}: normalisation lost response examples",
            version.name
        );
        assert!(
            !examples.is_empty(),
            "{}: no response examples found",
            version.name
        );

        let listed: BTreeSet<_> = known
            .get(&version.name)
            .into_iter()
            .flatten()
            .map(|f| (f.operation.clone(), f.status.clone(), f.example.clone()))
            .collect();
        let (mut decoded, mut untyped, mut failed) = (0, 0, BTreeSet::new());
        let (mut rescued, mut hits) = (0, 0);
        for example in &examples {
            let outcome = decode(&module, example);
            if let Outcome::Lenient { hits: n, .. } = &outcome {
                rescued += 1;
                hits += n;
            }
            if let Outcome::Failed(error) = &outcome {
                // A call would fail on it: lenient decoding must cope with
                // every example, listed or not.
                problems.push(format!(
                    "{} {} {} example `{}` does not decode even leniently: {error}",
                    version.name, example.operation_id, example.status, example.name
                ));
            }
            match outcome {
                Outcome::Decoded => decoded += 1,
                Outcome::Untyped => untyped += 1,
                Outcome::Lenient { first: error, .. } | Outcome::Failed(error) => {
                    if !listed.contains(&example.key()) {
                        problems.push(format!(
                            "{} {} {} example `{}`: {error}",
                            version.name, example.operation_id, example.status, example.name
                        ));
                    }
                    failed.insert(example.key());
                }
            }
        }
        for stale in listed.difference(&failed) {
            problems.push(format!(
                "{} {:?} is listed as a known failure but decodes (or no longer exists): remove it",
                version.name, stale
            ));
        }
        println!(
            "{:8} {} examples: {decoded} decoded, {untyped} untyped (raw body), {} known spec errors ({rescued} decode leniently, {hits} lenient hits), {on_dropped} on dropped operations",
            version.name,
            raw.len(),
            failed.len()
        );
        assert_eq!(decoded + untyped + failed.len(), examples.len());
    }
    assert!(
        problems.is_empty(),
        "{} example problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
