//! Make-like task execution: typed parameters, targets written atomically, workflows and workers.
#![deny(missing_docs)]
