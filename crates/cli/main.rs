//! The `cf` binary.

use std::process::ExitCode;

// Event batches allocate and free large buffers at a high rate; mimalloc reuses them where
// the system allocator returns them to the kernel and faults them in again. Its transparent
// huge pages are off (feature `no_thp`): each fresh 2 MB page was zeroed whole on first touch,
// and turning them off cut the AGC pipeline's CPU time by ~8%.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cf::main()
}
