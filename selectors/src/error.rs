//! The error type of the standard selectors and categorizers.

/// Errors of cf's standard selectors and categorizers on their input columns.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A column does not have the type the function reads it as; NanoAOD stores it so, so the
    /// input was written by something else or a calibrator replaced the column.
    #[error("`{function}` reads `{column}` as {expected}, but the column holds {found}; check the input file or the step that wrote this column")]
    ColumnType {
        /// The function.
        function: &'static str,
        /// The column's route.
        column: String,
        /// The type the function needs.
        expected: &'static str,
        /// The type found.
        found: String,
    },
    /// A field of a collection does not have one value per object of the collection.
    #[error("`{function}` expects one value of `{column}` per object of its collection ({expected}), but the column holds {found}; check the step that wrote this column")]
    Misaligned {
        /// The function.
        function: &'static str,
        /// The column's route.
        column: String,
        /// The number of objects of the collection.
        expected: usize,
        /// The number of values found.
        found: usize,
    },
}
