//! A pure-Rust evaluator for correctionlib (schema v2) JSON files.
#![deny(missing_docs)]
