//! Weighted N-dimensional histograms and the files that carry them to ROOT, hist and combine.
//!
//! The central type is [`Histogram`]: a list of [`Axis`] (regular, variable, integer, integer
//! category, string category; each with optional flow bins) and a [`Storage`] (weighted
//! sums Σw and Σw², plain sums, or counts). It is filled from Arrow arrays, flat or jagged,
//! in parallel on the current rayon pool, with results that are bit-identical for any number
//! of threads and any split of the input into fill calls (see [`fill`]).
//!
//! Histograms combine ([`Histogram::add`], category axes unite), scale, project
//! ([`Histogram::project`]), select categories, rebin and slice, and travel as:
//!
//! - cf's binary form ([`Histogram::write_binary`]), versioned and checksummed;
//! - UHI JSON ([`Histogram::write_uhi_json`]) that Python's `hist` reads back;
//! - ROOT files with TH1D/TH2D in directories ([`root::RootFile`]), readable by ROOT and uproot;
//! - CMS combine datacards with a ROOT shapes file ([`datacard::Datacard`]).
//!
//! # Design notes
//!
//! Storage and axes are cf's own rather than `ndhistogram`'s: that crate fixes axes as static
//! tuple types, fills one coordinate at a time and offers rayon only for iterating bins, so it
//! has neither columnar fills nor a parallel fill with a fixed summation order. Here each axis
//! turns a whole column into bin indices in one typed loop, and events are summed in blocks
//! whose order depends only on the global event index.
//!
//! # Example
//!
//! ```
//! use arrow_array::{Float64Array, Int32Array};
//! use cf_hist::{Axis, Category, Histogram, Storage};
//!
//! let mut h = Histogram::new(
//!     vec![
//!         Axis::regular(4, 0.0, 100.0)?.with_name("pt").with_label("p_T / GeV"),
//!         Axis::int_category([0, 1])?.with_name("process"),
//!     ],
//!     Storage::Weight,
//! )?
//! .with_name("jet_pt");
//! let pt = Float64Array::from(vec![10.0, 30.0, 30.0, 250.0]);
//! let process = Int32Array::from(vec![0, 0, 1, 1]);
//! let weight = Float64Array::from(vec![1.0, 0.5, 2.0, 1.0]);
//! h.fill(&[&pt, &process], Some(&weight))?;
//!
//! // Sum over processes: 4 bins plus underflow and overflow.
//! let pt_only = h.project(&["pt"])?;
//! assert_eq!(pt_only.values(), vec![0.0, 1.0, 2.5, 0.0, 0.0, 1.0]);
//! // Keep process 1 only.
//! let signal = h.select("process", &[Category::Int(1)])?;
//! assert_eq!(signal.sum(), 3.0);
//! # Ok::<(), cf_hist::Error>(())
//! ```
#![deny(missing_docs)]

pub mod axis;
mod binary;
pub mod datacard;
mod error;
pub mod fill;
mod histogram;
mod io;
pub mod root;
mod uhi;

pub use axis::{Axis, AxisKind};
pub use error::{Error, Result};
pub use histogram::{Category, Histogram, Storage, MAX_BINS};
