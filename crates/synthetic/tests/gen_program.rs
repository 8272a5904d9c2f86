//! The `gen-program` binary: the same arguments give the same file, on standard output or in
//! `-o FILE`. (That its output imports cleanly is confbot's test: `tests/properties.rs`.)

use std::process::Command;

fn gen_program(args: &[&str]) -> Vec<u8> {
    let output = Command::new(env!("CARGO_BIN_EXE_gen-program"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

#[test]
fn gen_program_writes_the_same_program_for_a_seed_to_a_file_or_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gen.json");
    let args = ["--talks", "40", "--days", "2", "--tracks", "2"];
    gen_program(&[&args[..], &["-o", file.to_str().unwrap()]].concat());
    let written = std::fs::read(&file).unwrap();
    assert_eq!(gen_program(&args), written);
    let program: serde_json::Value = serde_json::from_slice(&written).unwrap();
    let sessions = program["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 16);
    let talks: usize = sessions
        .iter()
        .map(|s| s["talks"].as_array().unwrap().len())
        .sum();
    assert_eq!(talks, 40);
    assert_ne!(
        gen_program(&[&args[..], &["--seed", "2"]].concat()),
        written
    );
}

#[test]
fn gen_program_refuses_zero_days_and_says_which_option() {
    let output = Command::new(env!("CARGO_BIN_EXE_gen-program"))
        .args(["--talks", "10", "--days", "0"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--days must be at least 1"), "{stderr}");
}
