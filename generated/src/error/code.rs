//! [`ErrorCode`]: the machine-readable `code` of an entry of Intercom's
//! `errors` array.
//!
//! Hand-written, not generated: the list below is every `code` that the
//! error-response examples of every pinned spec (`spec/versions.toml`, all
//! versions and Preview) document. The `intercom-tests` crate checks that it
//! agrees with the specs (`error_codes.rs`): it fails naming any documented
//! code missing here and any variant no spec documents. When a new spec
//! documents a new code, add a variant in alphabetical order of its code.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal,)*) => {
        /// The `code` of an entry of Intercom's `errors` array: one variant
        /// per code Intercom's specs document, and [`Unrecognized`] for any
        /// other, with the code as sent (so nothing is lost). (De)serialises
        /// as the plain string.
        ///
        /// Hand-written, and checked against every pinned spec by a test.
        ///
        /// ```
        /// use intercom_client_core::ErrorCode;
        ///
        /// assert_eq!(ErrorCode::from("not_found"), ErrorCode::NotFound);
        /// assert_eq!(ErrorCode::ParameterInvalid.as_str(), "parameter_invalid");
        /// let new = ErrorCode::from("code_from_the_future");
        /// assert_eq!(new, ErrorCode::Unrecognized("code_from_the_future".into()));
        /// assert_eq!(new.to_string(), "code_from_the_future");
        /// ```
        ///
        /// [`Unrecognized`]: ErrorCode::Unrecognized
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $(
                #[doc = concat!("`", $code, "`")]
                #[doc = ""]
                $(#[$doc])*
                $variant,
            )*
            /// A code no pinned spec documents, as Intercom sent it.
            Unrecognized(String),
        }

        impl ErrorCode {
            /// Every code the specs document (every variant but
            /// [`Unrecognized`](ErrorCode::Unrecognized)), in order of their codes.
            pub const DOCUMENTED: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code as Intercom writes it, e.g. `parameter_invalid`.
            pub fn as_str(&self) -> &str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                    ErrorCode::Unrecognized(code) => code,
                }
            }

            /// The variant of a documented code; `None` for any other.
            fn documented(code: &str) -> Option<Self> {
                match code {
                    $($code => Some(ErrorCode::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

error_codes! {
    AdminNotFound = "admin_not_found",
    AlreadyLinkedToTracker = "already_linked_to_tracker",
    /// The workspace's plan does not include this API.
    ApiPlanRestricted = "api_plan_restricted",
    ArticleNotFound = "article_not_found",
    AssigneeNotFound = "assignee_not_found",
    AwayStatusReasonMandatory = "away_status_reason_mandatory",
    /// The request is malformed (400).
    BadRequest = "bad_request",
    ClientError = "client_error",
    CompanyNotFound = "company_not_found",
    /// The request conflicts with the resource's state (409).
    Conflict = "conflict",
    ContactCompanyLimitExceeded = "contact_company_limit_exceeded",
    ContactMerged = "contact_merged",
    ContentHasProcedureDependencies = "content_has_procedure_dependencies",
    ContentSnippetNotFound = "content_snippet_not_found",
    ConversationAttributeNotFound = "conversation_attribute_not_found",
    ConversationIdLimitExceeded = "conversation_id_limit_exceeded",
    ConversationNotFound = "conversation_not_found",
    ConversationPartOrMessageNotFound = "conversation_part_or_message_not_found",
    DataConnectorInUse = "data_connector_in_use",
    DataConnectorNotFound = "data_connector_not_found",
    DataInvalid = "data_invalid",
    ExecutionResultNotFound = "execution_result_not_found",
    FieldNotFound = "field_not_found",
    /// The token lacks the scope this request needs (403).
    Forbidden = "forbidden",
    IdentityVerificationSecretNotFound = "identity_verification_secret_not_found",
    ImportJobIdRequired = "import_job_id_required",
    ImportSourceNotFound = "import_source_not_found",
    /// The `Intercom-Version` header names no version.
    IntercomVersionInvalid = "intercom_version_invalid",
    InternalArticleNotFound = "internal_article_not_found",
    /// Intercom failed to handle the request (5xx).
    InternalError = "internal_error",
    InvalidCatalogFormat = "invalid_catalog_format",
    InvalidField = "invalid_field",
    InvalidMerge = "invalid_merge",
    InvalidPartNumber = "invalid_part_number",
    InvalidSortOrder = "invalid_sort_order",
    InvalidTicketType = "invalid_ticket_type",
    JobNotFound = "job_not_found",
    LinkedConversationLimitExceeded = "linked_conversation_limit_exceeded",
    MergeFailed = "merge_failed",
    /// The resource does not exist (404).
    NotFound = "not_found",
    /// A parameter's value is invalid; `field` names it when Intercom says.
    ParameterInvalid = "parameter_invalid",
    ParameterMismatch = "parameter_mismatch",
    /// A required parameter is missing.
    ParameterNotFound = "parameter_not_found",
    PayloadTooLarge = "payload_too_large",
    /// Too many requests in the window (429).
    RateLimitExceeded = "rate_limit_exceeded",
    ResourceConflict = "resource_conflict",
    SyncInProgress = "sync_in_progress",
    TagHasDependentObjects = "tag_has_dependent_objects",
    TagNotFound = "tag_not_found",
    TeamNotFound = "team_not_found",
    TicketNotFound = "ticket_not_found",
    TicketStateIdInvalid = "ticket_state_id_invalid",
    /// The token may not be used for this request (401).
    TokenUnauthorized = "token_unauthorized",
    TypeMismatch = "type_mismatch",
    /// The access token is missing, invalid or revoked (401).
    Unauthorized = "unauthorized",
    UploadSessionNotFinalizable = "upload_session_not_finalizable",
    UploadSessionNotFound = "upload_session_not_found",
    ValidationError = "validation_error",
    WhatsappMessageNotFound = "whatsapp_message_not_found",
}

impl ErrorCode {
    /// Whether the code is one the specs document (not
    /// [`Unrecognized`](ErrorCode::Unrecognized)).
    pub fn is_documented(&self) -> bool {
        !matches!(self, ErrorCode::Unrecognized(_))
    }
}

impl From<&str> for ErrorCode {
    fn from(code: &str) -> Self {
        Self::documented(code).unwrap_or_else(|| ErrorCode::Unrecognized(code.to_owned()))
    }
}

impl From<String> for ErrorCode {
    fn from(code: String) -> Self {
        Self::documented(&code).unwrap_or(ErrorCode::Unrecognized(code))
    }
}

impl FromStr for ErrorCode {
    type Err = std::convert::Infallible;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Ok(code.into())
    }
}

impl AsRef<str> for ErrorCode {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Code;
        impl serde::de::Visitor<'_> for Code {
            type Value = ErrorCode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an error code string")
            }
            fn visit_str<E: serde::de::Error>(self, code: &str) -> Result<ErrorCode, E> {
                Ok(code.into())
            }
            fn visit_string<E: serde::de::Error>(self, code: String) -> Result<ErrorCode, E> {
                Ok(code.into())
            }
        }
        deserializer.deserialize_str(Code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_codes_round_trip_through_their_string() {
        assert!(!ErrorCode::DOCUMENTED.is_empty());
        let mut previous = "";
        for code in ErrorCode::DOCUMENTED {
            let text = code.as_str();
            assert!(text > previous, "in order, once each: {text}");
            previous = text;
            assert!(code.is_documented());
            assert_eq!(&ErrorCode::from(text), code);
            assert_eq!(&text.parse::<ErrorCode>().unwrap(), code);
            assert_eq!(code.to_string(), text);
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, serde_json::Value::from(text));
            assert_eq!(&serde_json::from_value::<ErrorCode>(json).unwrap(), code);
        }
    }

    #[test]
    fn other_codes_are_kept_as_sent() {
        let code: ErrorCode = serde_json::from_str(r#""brand_new_code""#).unwrap();
        assert_eq!(code, ErrorCode::Unrecognized("brand_new_code".into()));
        assert!(!code.is_documented());
        assert_eq!(code.as_str(), "brand_new_code");
        assert_eq!(serde_json::to_string(&code).unwrap(), r#""brand_new_code""#);
        assert_eq!(
            ErrorCode::from(String::from("not_found")),
            ErrorCode::NotFound
        );
        assert!(serde_json::from_str::<ErrorCode>("3").is_err());
    }
}
