// Language matrix: read the integers of input.txt (a placed file) with
// fs::read_to_string, write "sum S count N" to output.txt (collected).
use std::fs;

fn main() {
    let text = fs::read_to_string("input.txt").expect("read input.txt");
    let (mut sum, mut n) = (0i64, 0i64);
    for w in text.split_whitespace() {
        sum += w.parse::<i64>().expect("an integer");
        n += 1;
    }
    fs::write("output.txt", format!("sum {} count {}\n", sum, n)).expect("write output.txt");
}
