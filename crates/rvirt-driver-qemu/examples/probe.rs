//! Prints the probed capabilities of a QEMU binary in the cache file's form:
//! `cargo run -p rvirt-driver-qemu --example probe [/usr/bin/qemu-system-x86_64]`.
//! The test fixture `tests/data/qemu/caps/*.json` is this output.

fn main() {
    let binary = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/usr/bin/qemu-system-x86_64".to_string());
    match rvirt_driver_qemu::caps::probe::probe(std::path::Path::new(&binary)) {
        Ok(c) => match serde_json::to_string_pretty(&c.to_json()) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        },
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
