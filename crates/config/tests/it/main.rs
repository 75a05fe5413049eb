//! Integration tests of cf-config: the shipped example, `extends`, every error kind with its
//! place, category combinations, expressions (parsed and evaluated over
//! NanoAOD) and shift aliases.

mod errors;
mod eval;
mod example;
mod expressions;
