//! The error type of `cf-columns`.

use arrow_schema::ArrowError;

use crate::Route;

/// Errors of route parsing and event-batch operations.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A route string does not follow `Name(.field)*([:,i])?`, possibly with `{a,b}` braces.
    #[error(
        "invalid route `{text}`: {reason} (a route looks like `Jet.pt`, `event` or `Jet.pt[:,0]`)"
    )]
    InvalidRoute {
        /// The text as given.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The route names a column the event batch does not have.
    #[error("column `{route}` is not in the events; available: {available}")]
    MissingColumn {
        /// The route that was asked for.
        route: Route,
        /// The top-level columns the batch has, comma-separated.
        available: String,
    },
    /// A column exists but has a layout the operation cannot work with.
    #[error("column `{route}` has type {found}, but {expected} is needed here")]
    WrongLayout {
        /// The route whose column has the wrong layout.
        route: Route,
        /// The data type found.
        found: String,
        /// What the operation needs.
        expected: &'static str,
    },
    /// An array has a different number of events than the batch.
    #[error("column `{route}` has {found} events, but the batch has {expected}")]
    LengthMismatch {
        /// The column being set.
        route: Route,
        /// Events in the batch.
        expected: usize,
        /// Events in the array.
        found: usize,
    },
    /// A jagged field's per-event lengths differ from its collection's.
    #[error(
        "field `{route}` does not line up with collection `{collection}`: event {event} has {found} \
         values but {expected} objects; a field added to a collection must have one value per object"
    )]
    OffsetsMismatch {
        /// The field being added.
        route: Route,
        /// The collection it was added to.
        collection: String,
        /// The first event where the lengths differ.
        event: usize,
        /// Objects in the collection for that event.
        expected: usize,
        /// Values in the field for that event.
        found: usize,
    },
    /// An object index points outside its event's collection.
    #[error("index {index} in event {event} is out of range for collection `{collection}` with {len} objects")]
    IndexOutOfRange {
        /// The collection indexed.
        collection: String,
        /// The event.
        event: usize,
        /// The offending index.
        index: i64,
        /// Number of objects in that event.
        len: usize,
    },
    /// Setting a column at this route is not possible (e.g. `Jet.pt[:,0]`, or nesting deeper than
    /// `Collection.field`).
    #[error("cannot set column `{route}`: {reason}")]
    CannotSet {
        /// The route.
        route: Route,
        /// Why.
        reason: &'static str,
    },
    /// An Arrow kernel failed.
    #[error(transparent)]
    Arrow(#[from] ArrowError),
}

/// The result type of `cf-columns`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
