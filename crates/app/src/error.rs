//! The one error type of the use cases. The front ends map its kind to a status code and a
//! translated message; the field errors say what to fix.

use domain::ValidationErrors;
use store::StoreError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The caller may know the record exists but may not do this to it.
    Forbidden,
    /// No such record, or one the caller may not know exists.
    NotFound,
    /// The record changed since the caller read it, or already exists.
    Conflict,
    /// The input breaks a rule; `fields` says which.
    Validation,
    BadRequest,
    Internal,
}

#[derive(Clone, Debug)]
pub struct Error {
    pub kind: ErrorKind,
    /// A technical detail safe to show (never personal data).
    pub detail: Option<String>,
    pub fields: ValidationErrors,
}

impl Error {
    pub fn new(kind: ErrorKind) -> Self {
        Self {
            kind,
            detail: None,
            fields: ValidationErrors::new(),
        }
    }

    pub fn with_detail(kind: ErrorKind, detail: impl Into<String>) -> Self {
        Self {
            detail: Some(detail.into()),
            ..Self::new(kind)
        }
    }

    pub fn validation(fields: ValidationErrors) -> Self {
        Self {
            fields,
            ..Self::new(ErrorKind::Validation)
        }
    }

    /// One field's error.
    pub fn invalid(field: &str, code: &'static str) -> Self {
        let mut e = ValidationErrors::new();
        e.add(field, code);
        Self::validation(e)
    }

    pub fn internal(what: impl std::fmt::Display) -> Self {
        // Store errors name tables and columns, never values.
        tracing::error!(error = %what, "internal error");
        Self::new(ErrorKind::Internal)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.kind)?;
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Error::new(ErrorKind::NotFound),
            StoreError::Conflict => Error::new(ErrorKind::Conflict),
            StoreError::Duplicate(what) => {
                Error::with_detail(ErrorKind::Conflict, format!("{what} already exists"))
            }
            StoreError::Database(msg) => Error::internal(msg),
        }
    }
}

impl From<domain::authz::Refusal> for Error {
    fn from(r: domain::authz::Refusal) -> Self {
        match r {
            domain::authz::Refusal::Forbidden => Error::new(ErrorKind::Forbidden),
            domain::authz::Refusal::Hidden => Error::new(ErrorKind::NotFound),
        }
    }
}

impl From<domain::authz::Forbidden> for Error {
    fn from(_: domain::authz::Forbidden) -> Self {
        Error::new(ErrorKind::Forbidden)
    }
}
