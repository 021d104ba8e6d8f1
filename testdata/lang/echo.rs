// Language matrix: copy stdin to stdout byte for byte.
use std::io::{self, Write};

fn main() {
    let mut out = io::stdout().lock();
    io::copy(&mut io::stdin().lock(), &mut out).expect("copy");
    out.flush().expect("flush");
}
