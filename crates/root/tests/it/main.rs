//! Integration tests of cf-root against real NanoAOD files and files written by uproot.

mod bad_input;
mod cache;
mod common;
mod compressed;
mod conformance;
