//! The Console's validation rules with stable codes (`E0xx`, `W0xx`), the `Diagnostic` type and
//! its concise and full renderers (SPEC 2.1, 2.2).
