//! Every operation of every version as a type ([`Op`]): generic code keys on
//! it, and knows the operation's payload types. The test kit of
//! `intercom-api` (feature `test-util`) registers replies by it:
//! `mock.on::<v2_16::ops::TagsList>()`.

use crate::Operation;

/// One operation of one API version, as a type. Each version module
/// generates one unit struct per operation in its `ops` module, named after
/// the grouped call (`tags.list` is `ops::TagsList`).
pub trait Op: Send + Sync + 'static {
    /// The success payload (`()` when the operation has none, or streams it).
    type Output: serde::Serialize + serde::de::DeserializeOwned;
    /// The JSON request body (`()` when the operation takes none).
    type Body: serde::Serialize + serde::de::DeserializeOwned;
    /// The operation in its version's table.
    fn operation() -> &'static Operation;
    /// The response examples the spec documents for it. Empty unless the
    /// version crate's `examples` feature is on (`intercom-api`'s
    /// `test-util` turns it on).
    fn examples() -> &'static [ResponseExample];
}

/// A response example the spec documents for an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseExample {
    /// HTTP status, as the spec keys it (`"200"`, `"404"`).
    pub status: &'static str,
    /// The example's name in the spec (`"Successful response"`), or
    /// `"example"` for a lone unnamed one.
    pub name: &'static str,
    /// The example, as JSON text.
    pub json: &'static str,
}
