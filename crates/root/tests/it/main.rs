//! Integration tests of cf-root against real NanoAOD files and files written by uproot.

mod common;
mod conformance;
