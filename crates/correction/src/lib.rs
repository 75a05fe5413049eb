//! A pure-Rust evaluator for correctionlib (schema v2) JSON files: the scale factors and
//! energy corrections CMS publishes.
//!
//! The central type is [`CorrectionSet`]: it loads a `.json` or `.json.gz` file and compiles
//! every correction into an arena of plain nodes (inputs resolved to positions, category keys
//! sorted, formulas parsed), so evaluation never walks JSON and never allocates per point.
//! A [`Correction`] or [`CompoundCorrection`] is evaluated through the [`Evaluate`] trait:
//! [`Evaluate::evaluate`] for one point, [`Evaluate::evaluate_columns`] for Arrow arrays
//! (flat or jagged, scalars broadcast), using all threads of the rayon pool for large inputs.
//!
//! Semantics follow the reference correctionlib 2.9 exactly: every node type (`binning` with
//! edge lists or uniform bins and flow `clamp`/`error`/`wrap`/content, `multibinning`,
//! `category` with int or string keys and a default, `formula` in the TFormula language,
//! `formularef`, `transform`, `hashprng`, numeric constants) and compound corrections. Errors
//! the reference raises (value outside a binning with flow `error`, unknown category, wrong
//! number or type of inputs) are [`Error`]s naming the correction and the input. The neural
//! network node `lwtnn` is not supported: loading a file that uses it fails with a clear error.
//!
//! # How evaluation is kept fast
//!
//! - Nodes that select a child (binnings, categories) are walked in a loop, not recursively.
//! - String category keys are interned per correction, so lookups compare integers; a
//!   broadcast string (`"nominal"`, `"2018_UL"`) is resolved once per chunk of elements.
//! - Formulas are compiled to postfix instructions; subexpressions that repeat (the jet
//!   energy corrections repeat `log10(max(min(x,[1]),[0]))` five times) are computed once.
//!   Every libm call and its order is kept, so results equal the reference bit for bit.
//! - [`Evaluate::evaluate_columns`] splits inputs of at least [`PARALLEL_MIN_ELEMENTS`]
//!   elements into chunks evaluated on the current rayon pool; run it inside
//!   `ThreadPool::install` to choose the number of threads.
//!
//! # Example
//!
//! ```
//! use cf_correction::{CorrectionSet, Evaluate, Value};
//!
//! let json = r#"{
//!   "schema_version": 2,
//!   "corrections": [{
//!     "name": "muon_sf", "version": 1,
//!     "inputs": [{"name": "pt", "type": "real"}, {"name": "syst", "type": "string"}],
//!     "output": {"name": "weight", "type": "real"},
//!     "data": {"nodetype": "category", "input": "syst", "content": [
//!       {"key": "nominal", "value": {"nodetype": "binning", "input": "pt",
//!         "edges": [15.0, 30.0, 120.0], "content": [0.98, 0.99], "flow": "clamp"}},
//!       {"key": "up", "value": {"nodetype": "formula", "parser": "TFormula",
//!         "expression": "1.0+0.0001*x", "variables": ["pt"]}}
//!     ]}
//!   }]
//! }"#;
//! let set = CorrectionSet::from_slice(json.as_bytes(), "example.json")?;
//! let sf = set.correction("muon_sf")?;
//! assert_eq!(sf.evaluate(&[Value::Real(50.0), Value::Str("nominal")])?, 0.99);
//! assert_eq!(sf.evaluate(&[Value::Real(500.0), Value::Str("nominal")])?, 0.99); // clamped
//! assert!(sf.evaluate(&[Value::Real(50.0), Value::Str("down")]).is_err());
//!
//! // Vectorised over Arrow: a jagged pt column with a broadcast scalar.
//! use std::sync::Arc;
//! use arrow_array::{cast::AsArray, types::Float64Type, ArrayRef, Float64Array, ListArray};
//! use arrow_buffer::OffsetBuffer;
//! use arrow_schema::{DataType, Field};
//! let pt: ArrayRef = Arc::new(ListArray::new(
//!     Arc::new(Field::new("item", DataType::Float64, true)),
//!     OffsetBuffer::from_lengths([2, 0, 1]),
//!     Arc::new(Float64Array::from(vec![20.0, 40.0, 100.0])),
//!     None,
//! ));
//! let out = sf.evaluate_columns(&[(&pt).into(), Value::Str("up").into()])?;
//! let values = out.as_list::<i32>().values().as_primitive::<Float64Type>().values().to_vec();
//! assert_eq!(values, vec![1.002, 1.004, 1.01]);
//! # Ok::<(), cf_correction::Error>(())
//! ```
#![deny(missing_docs)]

mod columns;
mod correction;
mod error;
mod formula;
mod hashprng;
mod json;
mod node;

pub use columns::{Column, PARALLEL_MIN_ELEMENTS};
pub use correction::{
    CompoundCorrection, Correction, CorrectionSet, Evaluate, InputType, InputUsage, UpdateOp,
    Value, Variable,
};
pub use error::{Error, Result, Side};
