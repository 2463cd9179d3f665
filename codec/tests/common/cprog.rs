//! The C side of the layout tests: compile a program against the system headers, run it, and
//! read its `key value` lines (numbers, or bytes in hex).

use std::collections::HashMap;
use std::process::Command;

/// Compiles `source` with `cc -Wall`, runs it, and returns its output lines. `tag` names the
/// temporary build directory (with the process id), so test binaries do not share one.
pub fn run(tag: &str, source: &str) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("sockabi-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let src = dir.join("layout.c");
    let exe = dir.join("layout");
    std::fs::write(&src, source).expect("write C source");
    let cc = Command::new("cc")
        .arg("-Wall")
        .arg("-o")
        .arg(&exe)
        .arg(&src)
        .output()
        .expect("run cc (a C compiler is needed for the layout tests)");
    assert!(
        cc.status.success(),
        "cc failed:\n{}",
        String::from_utf8_lossy(&cc.stderr)
    );
    let out = Command::new(&exe).output().expect("run the C program");
    assert!(out.status.success());
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8(out.stdout)
        .expect("UTF-8 output")
        .lines()
        .map(str::to_owned)
        .collect()
}

/// `key -> value` for every line that ends in a number.
pub fn numbers(lines: &[String]) -> HashMap<String, i64> {
    lines
        .iter()
        .filter_map(|l| {
            let (key, value) = l.rsplit_once(' ')?;
            Some((key.to_owned(), value.parse().ok()?))
        })
        .collect()
}

/// The bytes of the line `name HEX`.
pub fn hex_line(lines: &[String], name: &str) -> Vec<u8> {
    let hex = lines
        .iter()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("C printed no {name}"));
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}
