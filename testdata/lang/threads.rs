// Language matrix: 4 threads summing 1..4000000 in parts.
use std::thread;

fn main() {
    let n: u64 = 4_000_000;
    let handles: Vec<_> = (0..4u64)
        .map(|k| thread::spawn(move || (k + 1..=n).step_by(4).sum::<u64>()))
        .collect();
    let total: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    println!("threads 4 sum {}", total);
}
