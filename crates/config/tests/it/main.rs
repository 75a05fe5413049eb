//! Integration tests of cf-config: the shipped example, `extends`, every error kind with its
//! place, category combinations, expressions (parsed and evaluated over
//! NanoAOD), shift aliases, inference models and generated datasets.

mod errors;
mod eval;
mod example;
mod expressions;
mod generate;
mod inference;
