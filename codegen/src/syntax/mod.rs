//! The syntax stage: works on progenitor's output as a syn tree, and only
//! on it.
//!
//! It runs progenitor ([`progenitor`]) over the normalised spec, indexes the
//! output once ([`index`], the one module that knows progenitor's layout,
//! and where each operation is read back and joined to the model's
//! [`SpecOperation`](crate::model::SpecOperation)), computes what reaches
//! what among the types once ([`reach`]), runs the registered passes
//! ([`passes::ALL`]), checks every type is inhabited ([`inhabited`]), emits
//! paginators, dispatch and runtime items ([`emit`]), and renders the
//! surface snapshot ([`surface`]).
//!
//! It reads the spec stage's findings through [`crate::model`] only: nothing
//! here names the spec stage or touches the spec's JSON (a test in `lib.rs`
//! checks it).

pub mod api_model;
pub mod emit;
pub mod index;
pub mod inhabited;
pub mod operation;
pub mod passes;
pub mod progenitor;
pub mod reach;
pub mod surface;
pub(crate) mod syn_util;
