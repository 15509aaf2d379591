//! Form definitions as data, expression evaluation and XLSForm import/export.
//!
//! Empty until the forms capability lands; the crate exists so the workspace already has the shape
//! described in DESIGN.md.
