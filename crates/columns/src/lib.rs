//! Routes, column sets and Arrow event batches: how cf names and holds columns.
//!
//! A [`Route`] names a column the way analysts write it: `Jet.pt`, `MET.pt`, `event`, or
//! `Jet.pt[:,0]` for the leading jet's pt. Patterns with braces (`Jet.{pt,eta}`) expand into
//! a [`ColumnSet`], which is what a reader receives to decide what to decode. Routes map to and
//! from NanoAOD branch names (`Jet.pt` ↔ `Jet_pt`, counted by `nJet`).
//!
//! [`Events`] holds a batch of events as one Arrow record batch: a collection is
//! `List<Struct<…>>` (all its fields share one offsets buffer), event-level columns are plain
//! arrays. It offers what the analysis layer needs: get and set by route, add a field to a
//! collection, apply an event mask, build a collection from object indices or masks, and
//! `[:,i]` access, without copying what need not be copied.
//!
//! # Example
//!
//! ```
//! use cf_columns::{ColumnSet, Route};
//!
//! let set = ColumnSet::parse(["{Jet,Muon}.{pt,eta}", "event"])?;
//! assert_eq!(set.len(), 5);
//! let branches: Vec<String> = set.iter().map(Route::to_branch).collect();
//! assert!(branches.contains(&"Muon_eta".to_string()));
//! # Ok::<(), cf_columns::Error>(())
//! ```
#![deny(missing_docs)]

mod column_set;
mod error;
mod events;
mod route;

pub use column_set::ColumnSet;
pub use error::{Error, Result};
pub use events::{element_at, filter_column, normalized, Events};
pub use route::{expand, Route};
