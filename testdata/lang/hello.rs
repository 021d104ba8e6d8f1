// Language matrix: hello world in Rust.
fn main() {
    println!("hello from rust");
}
