//! Project tasks: set-up, build, run, test.
fn main() {}
