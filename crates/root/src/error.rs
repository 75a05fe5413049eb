//! The error type of `cf-root`: every variant names the file and the item it concerns.

use std::path::PathBuf;

/// Everything that can go wrong while opening a ROOT file or decoding its branches.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened or read from the operating system.
    #[error("cannot read ROOT file {}: {source} (check that the path exists and is readable)", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The file does not start with the ROOT magic bytes `root`.
    #[error("{} is not a ROOT file (it does not start with \"root\"); pass a .root file", file.display())]
    NotRoot {
        /// The file.
        file: PathBuf,
    },
    /// A structure points past the end of the file: the file was cut short (e.g. an
    /// interrupted copy).
    #[error("ROOT file {} is truncated: {what} needs bytes {offset}..{end} but the file has {file_len} bytes; copy the file again", file.display())]
    Truncated {
        /// The file.
        file: PathBuf,
        /// The structure being read (e.g. "basket 3 of branch Jet_pt").
        what: String,
        /// Where the structure starts.
        offset: u64,
        /// Where the structure ends.
        end: u64,
        /// The length of the file.
        file_len: u64,
    },
    /// A structure of the file holds values that cannot be right.
    #[error("ROOT file {} is corrupt or not understood: {what}: {reason}", file.display())]
    Malformed {
        /// The file.
        file: PathBuf,
        /// The structure being read (e.g. "TTree Events").
        what: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A compressed block could not be decompressed.
    #[error("ROOT file {}: cannot decompress {what}: {reason}", file.display())]
    Decompress {
        /// The file.
        file: PathBuf,
        /// The compressed item (e.g. "basket 0 of branch Jet_pt").
        what: String,
        /// Why it failed.
        reason: String,
    },
    /// The file has no tree of that name.
    #[error("ROOT file {} has no tree {name:?}; trees in the file: {available:?}", file.display())]
    NoSuchTree {
        /// The file.
        file: PathBuf,
        /// The requested tree.
        name: String,
        /// The trees the file has.
        available: Vec<String>,
    },
    /// The file has an object of that name, but it is not a TTree (e.g. an RNTuple, which
    /// uproot 5.7 writes when a dict is assigned to a file).
    #[error("{name:?} in ROOT file {} is a {class}, not a TTree; cf reads TTrees (with uproot, write trees with `mktree`)", file.display())]
    NotATree {
        /// The file.
        file: PathBuf,
        /// The requested name.
        name: String,
        /// The class of the object found under that name.
        class: String,
    },
    /// The tree has no branch of that name.
    #[error("tree {tree:?} of ROOT file {} has no branch {branch:?}; list them with Tree::branches()", file.display())]
    NoSuchBranch {
        /// The file.
        file: PathBuf,
        /// The tree.
        tree: String,
        /// The requested branch.
        branch: String,
    },
    /// The branch holds a type this reader does not decode (strings, objects, fixed arrays).
    #[error("branch {branch:?} of ROOT file {} has type {type_name}, which cf-root does not read; drop it from the column list", file.display())]
    UnsupportedType {
        /// The file.
        file: PathBuf,
        /// The branch.
        branch: String,
        /// The ROOT type of the branch.
        type_name: String,
    },
    /// The requested entry range reaches past the end of the tree.
    #[error("entries {start}..{end} requested from tree {tree:?} of ROOT file {}, which has {num_entries} entries", file.display())]
    EntryRange {
        /// The file.
        file: PathBuf,
        /// The tree.
        tree: String,
        /// First requested entry.
        start: u64,
        /// One past the last requested entry.
        end: u64,
        /// Entries in the tree.
        num_entries: u64,
    },
}

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
