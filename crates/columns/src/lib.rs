//! Routes, column sets and Arrow kernels for event data.
#![deny(missing_docs)]
