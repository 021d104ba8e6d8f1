// Language matrix: 200 MB in a Vec, every byte written, one byte per page
// read back.
fn main() {
    let size = 200_000_000usize;
    let mut v = vec![0u8; size];
    for b in v.iter_mut() {
        *b = 1;
    }
    let sum: u64 = v.iter().step_by(4096).map(|&b| b as u64).sum();
    println!("alloc {} pages {}", size, sum);
}
