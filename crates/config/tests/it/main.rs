//! Integration tests of cf-config: the shipped example, `extends`, every error kind with its
//! place, category combinations, expressions and shift aliases.

mod errors;
mod example;
mod expressions;
