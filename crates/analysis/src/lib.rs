//! Calibrators, selectors and producers: functions over event batches that declare their columns.
//!
//! A physicist writes small functions that compute columns (producers), select events and
//! objects (selectors), correct objects (calibrators), decide what reduced events keep
//! (reducers), compute event weights (weight producers) and put events in categories
//! (categorizers). Each one has a [`Declaration`]: the columns it `uses` and `produces`
//! (route patterns such as `Jet.{pt,eta}`, or other functions, meaning their columns), whether it
//! runs on simulation or data only, and the systematic shifts it implements.
//!
//! Functions are registered by name in a [`Registry`]; a task resolves a name into a
//! [`FunctionTree`] for its dataset, which knows every column the tree reads and writes before
//! an event is read, and checks the declarations while it runs: reading an undeclared column,
//! writing one, or not producing a declared one is an error naming the function and the column.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{cast::AsArray, types::Float32Type, Array, Float32Array, ListArray};
//! use cf_analysis::{producer, DatasetInfo, FunctionTree, Kind, Registry};
//! use cf_columns::{Events, Route};
//!
//! let mut registry = Registry::new();
//! registry.register(|| {
//!     producer("ht").uses("Jet.pt").unwrap().produces("ht").unwrap().apply(|events, _| {
//!         let pt = events.column("Jet.pt")?;
//!         let pt = pt.as_list::<i32>();
//!         let ht: Float32Array = (0..pt.len())
//!             .map(|i| Some(pt.value(i).as_primitive::<Float32Type>().values().iter().sum::<f32>()))
//!             .collect();
//!         events.set_column("ht", Arc::new(ht))?;
//!         Ok(())
//!     })
//! })?;
//!
//! let dataset = DatasetInfo { name: "tt".into(), is_mc: true };
//! let tree = FunctionTree::build(&registry, "ht", Kind::Producer, &dataset)?;
//! let mut events = Events::with_num_events(2);
//! let pt = ListArray::from_iter_primitive::<Float32Type, _, _>(vec![
//!     Some(vec![Some(40.0), Some(30.0)]),
//!     Some(vec![]),
//! ]);
//! events.set_column(&Route::parse("Jet.pt").unwrap(), Arc::new(pt)).unwrap();
//! tree.run(&mut events)?;
//! let ht = events.column(&Route::parse("ht").unwrap()).unwrap();
//! assert_eq!(ht.as_primitive::<Float32Type>().values().to_vec(), [70.0, 0.0]);
//! # Ok::<(), cf_analysis::Error>(())
//! ```
#![deny(missing_docs)]

mod check;
mod declaration;
mod error;
mod function;
mod registry;
mod tree;

pub use check::{check_columns, Chain, MissingColumn, Step};
pub use declaration::{Declaration, Dep, Kind};
pub use error::{Error, Result};
pub use function::{
    calibrator, categorizer, producer, reducer, selector, weight_producer, BoxError, CallContext,
    ClosureFunction, DatasetInfo, FnEvents, FnResult, Function, ObjectSelection, Outcome,
    SelectionResult, SetupContext,
};
pub use registry::Registry;
pub use tree::FunctionTree;
