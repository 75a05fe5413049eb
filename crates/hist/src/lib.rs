//! Weighted N-dimensional histograms and the files that carry them to ROOT, hist and combine.
#![deny(missing_docs)]
