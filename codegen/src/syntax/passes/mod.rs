//! The syntax passes: each rewrites progenitor's output to repair one known
//! defect, is counted, and is unit-tested on a tiny inline module. [`ALL`]
//! lists them in the order they run, the counterpart of the spec stage's
//! `normalise::ALL`.
//!
//! A pass runs in one of three [`Phase`]s, because the emitters read the
//! module between them: the type passes shape the types the emitters see,
//! the request passes follow the emitters (they need no index), and the
//! `send()` passes run once the emitted code is appended. Each pass says how
//! many places it must reach ([`Expect`]); the pipeline fails when it
//! reaches fewer or more.

use crate::syntax::operation::Operation;
use crate::syntax::reach::Reach;

pub mod api_version_header;
pub mod constructors;
pub mod grouped_docs;
pub mod open_enums;
pub mod prune_builders;
pub mod request_collections;
pub mod rewrite_send;
pub mod strict_requests;
pub mod tagged_unions;

/// When a pass runs, relative to the emitters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Before the index is read: the types the emitters see.
    Types,
    /// After the emitters read the index, before their code is appended.
    Requests,
    /// After the emitted code is appended: every builder's `send()`.
    Sends,
}

/// How many places a pass must reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Any number, none included (the defect may be absent).
    Any,
    /// At least one per operation.
    EveryOperation,
    /// Exactly one per operation.
    EachOperationOnce,
}

impl Expect {
    /// Whether `count` places reached meets the expectation for `operations`.
    pub fn met(self, count: usize, operations: usize) -> bool {
        match self {
            Expect::Any => true,
            Expect::EveryOperation => count >= operations,
            Expect::EachOperationOnce => count == operations,
        }
    }
}

/// What a pass reads besides the module: the operations and the types'
/// reach, both computed once.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// Every generated operation.
    pub operations: &'a [Operation],
    /// What reaches what among the types.
    pub reach: &'a Reach,
}

/// What one pass did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Applied {
    /// The pass's name.
    pub name: &'static str,
    /// Places rewritten.
    pub count: usize,
    /// Lines worth reporting beyond the count (what was renamed, kept…).
    pub detail: Vec<String>,
}

impl Applied {
    fn count(count: usize) -> Self {
        Applied {
            count,
            ..Applied::default()
        }
    }
}

/// One named syntax pass.
pub struct Pass {
    /// Short stable name, printed in reports.
    pub name: &'static str,
    /// The defect of progenitor's (or typify's) output it repairs.
    pub fixes: &'static str,
    /// When it runs.
    pub phase: Phase,
    /// How many places it must reach.
    pub expect: Expect,
    /// Applies it; returns what it did or why it cannot.
    pub apply: fn(&mut syn::File, &Context<'_>) -> Result<Applied, String>,
}

/// Every syntax pass, in the order they run.
pub const ALL: &[Pass] = &[
    Pass {
        name: "open_enums",
        fixes: "a string value Intercom added after publishing fails the whole response",
        phase: Phase::Types,
        expect: Expect::Any,
        apply: |file, _| {
            open_enums::open_enums(file)
                .map(Applied::count)
                .map_err(|e| e.to_string())
        },
    },
    Pass {
        name: "tagged_unions",
        fixes: "an untagged union takes the first member that fits, not the one its `type` names",
        phase: Phase::Types,
        expect: Expect::Any,
        apply: |file, _| {
            let tagged = tagged_unions::tag_by_type(file)?;
            Ok(Applied {
                count: tagged.len(),
                detail: tagged
                    .iter()
                    .map(|t| {
                        let by: Vec<String> = t
                            .variants
                            .iter()
                            .map(|(tag, variant)| format!("`{tag}` → {variant}"))
                            .collect();
                        format!("union told apart by `type`: {} ({})", t.name, by.join(", "))
                    })
                    .collect(),
                ..Applied::default()
            })
        },
    },
    Pass {
        name: "prune_builders",
        fixes: "typify's struct builders of response-only types: code nobody can call",
        phase: Phase::Requests,
        expect: Expect::Any,
        apply: |file, cx| {
            let pruned = prune_builders::keep_request_builders(file, cx.reach);
            Ok(Applied {
                count: pruned.dropped,
                detail: vec![format!(
                    "struct builders kept: {} (types a request body reaches)",
                    pruned.kept
                )],
                ..Applied::default()
            })
        },
    },
    Pass {
        name: "strict_requests",
        fixes: "a request type ignores fields it does not declare, so a union body picks the wrong member",
        phase: Phase::Requests,
        expect: Expect::Any,
        apply: |file, cx| {
            Ok(Applied::count(
                strict_requests::deny_unknown_request_fields(file, &cx.reach.request_only),
            ))
        },
    },
    Pass {
        name: "request_collections",
        fixes: "an empty list or map the caller sets in a request is not sent",
        phase: Phase::Requests,
        expect: Expect::Any,
        apply: |file, cx| {
            Ok(Applied::count(request_collections::send_empty_collections(
                file,
                &cx.reach.request_only,
            )))
        },
    },
    Pass {
        name: "constructors",
        fixes: "a request body has no typed way to be built: typify's builders check required fields only when sent, a union body has no builder at all",
        phase: Phase::Requests,
        expect: Expect::Any,
        apply: |file, cx| {
            let done = constructors::emit(file, cx.operations)?;
            let mut detail = vec![
                format!("typed bodies: {}/{}", done.typed, done.bodies),
                format!(
                    "constructors: {}, setters: {} (on {} types request bodies reach)",
                    done.constructors, done.setters, done.types
                ),
            ];
            if done.string_froms > 0 {
                detail.push(format!(
                    "unions converting from text: {}",
                    done.string_froms
                ));
            }
            if done.nested_froms > 0 {
                detail.push(format!(
                    "conversions through a nested union: {}",
                    done.nested_froms
                ));
            }
            if !done.renamed.is_empty() {
                detail.push(format!(
                    "setters renamed, name taken: {}",
                    done.renamed.join(", ")
                ));
            }
            if !done.skipped.is_empty() {
                detail.push(format!(
                    "left without a method: {}",
                    done.skipped.join("; ")
                ));
            }
            Ok(Applied {
                count: done.types,
                detail,
                ..Applied::default()
            })
        },
    },
    Pass {
        name: "grouped_docs",
        fixes: "progenitor's example on every `Client` method documents the flat call, not the grouped one",
        phase: Phase::Requests,
        expect: Expect::EachOperationOnce,
        apply: |file, cx| {
            Ok(Applied::count(grouped_docs::document_grouped_calls(
                file,
                cx.operations,
            )))
        },
    },
    Pass {
        name: "lenient_decodes",
        fixes: "one misfit field in a response fails the whole call",
        phase: Phase::Sends,
        expect: Expect::Any,
        apply: |file, _| Ok(Applied::count(rewrite_send::decode_leniently(file))),
    },
    Pass {
        name: "restore_bodies",
        fixes: "a response handed on unread has lost the body the runtime already read",
        phase: Phase::Sends,
        expect: Expect::EveryOperation,
        apply: |file, _| Ok(Applied::count(rewrite_send::restore_bodies_handed_on(file))),
    },
    Pass {
        name: "name_operations",
        fixes: "a decode error does not say which operation's payload failed",
        phase: Phase::Sends,
        expect: Expect::EachOperationOnce,
        apply: |file, _| {
            Ok(Applied::count(
                rewrite_send::name_operations_in_decode_errors(file),
            ))
        },
    },
    Pass {
        name: "drop_api_version_header",
        fixes: "progenitor's `api-version` header: noise Intercom ignores, built on every call",
        phase: Phase::Sends,
        expect: Expect::EachOperationOnce,
        apply: |file, _| {
            Ok(Applied::count(api_version_header::drop_api_version_header(
                file,
            )))
        },
    },
    Pass {
        name: "one_error_type",
        fixes: "`send()` returns progenitor's `Error<E>`, a different error type per operation, not the SDK's one `Error` (with its error codes)",
        phase: Phase::Sends,
        expect: Expect::EachOperationOnce,
        apply: |file, _| Ok(Applied::count(rewrite_send::return_one_error_type(file))),
    },
];

/// Runs every pass of `phase` over `file`, in order, checking each reached
/// what it must.
pub fn run(phase: Phase, file: &mut syn::File, cx: &Context<'_>) -> Result<Vec<Applied>, String> {
    ALL.iter()
        .filter(|pass| pass.phase == phase)
        .map(|pass| {
            let applied = (pass.apply)(file, cx).map_err(|e| format!("{}: {e}", pass.name))?;
            let operations = cx.operations.len();
            if !pass.expect.met(applied.count, operations) {
                return Err(format!(
                    "{} reached {} places, expected {:?} of {operations} operations",
                    pass.name, applied.count, pass.expect
                ));
            }
            Ok(Applied {
                name: pass.name,
                ..applied
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pass_that_misses_operations_fails_codegen() {
        assert!(Expect::EachOperationOnce.met(3, 3));
        assert!(Expect::EveryOperation.met(4, 3));
        assert!(!Expect::EachOperationOnce.met(2, 3));
        assert!(!Expect::EachOperationOnce.met(4, 3));
        assert!(!Expect::EveryOperation.met(2, 3));
        assert!(Expect::Any.met(0, 3));
        // Run on a module with one operation but no `send()`: the passes
        // that must reach every operation fail, naming themselves.
        let mut file: syn::File = syn::parse_quote! { pub mod builder {} };
        let ops = [Operation::for_test("op", None, None)];
        let reach = Reach::default();
        let cx = Context {
            operations: &ops,
            reach: &reach,
        };
        let err = run(Phase::Sends, &mut file, &cx).unwrap_err();
        assert_eq!(
            err,
            "restore_bodies reached 0 places, expected EveryOperation of 1 operations"
        );
        assert!(run(Phase::Types, &mut file, &cx).is_ok());
    }

    #[test]
    fn names_are_unique_and_every_pass_says_what_it_fixes() {
        let mut names: Vec<&str> = ALL.iter().map(|p| p.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
        assert!(ALL.iter().all(|p| !p.fixes.is_empty()));
    }
}
