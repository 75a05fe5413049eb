//! The example analysis's own `cf`: every cf command, with the example's functions registered.

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cf::main_with(|setup| Ok(cf_example_analysis::register(setup.functions())?))
}
