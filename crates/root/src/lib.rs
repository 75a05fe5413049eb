//! Reads TTree branches of ROOT files (NanoAOD) straight into Arrow arrays.
#![deny(missing_docs)]
