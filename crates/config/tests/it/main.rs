//! Integration tests of cf-config.

mod example;
