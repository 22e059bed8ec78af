//! Jeco web entry point.
fn main() {}
