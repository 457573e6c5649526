//! Emitters: code the syntax stage writes beside progenitor's, from the
//! operations and the index: paginators, the resource-grouped client, the
//! conformance tests' `dispatch`, and the items every module ends with.

pub mod dispatch;
pub mod groups;
pub mod paginators;
pub mod runtime_items;
