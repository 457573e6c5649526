//! Emitters: code the syntax stage writes beside progenitor's, from the
//! operations and the index: paginators, the resource-grouped client, the
//! conformance tests' `dispatch`, the items every module ends with, and the
//! typed webhook events (`mod webhooks`).

pub mod dispatch;
pub mod groups;
pub mod ops;
pub mod paginators;
pub mod runtime_items;
pub mod webhooks;
