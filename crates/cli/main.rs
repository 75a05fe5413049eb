//! The `cf` binary.

use std::process::ExitCode;

// Event batches allocate and free large buffers at a high rate; mimalloc reuses them where
// the system allocator returns them to the kernel and faults them in again.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cf::main()
}
