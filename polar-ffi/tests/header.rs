//! `include/polar.h` is in sync with the crate.
//!
//! 1. Always: every `#[no_mangle]` function and every `pub const POLAR_*` of `src/` is
//!    declared in the header, and the header declares nothing else (a cheap check that needs
//!    no tool).
//! 2. When cbindgen is installed (`cargo install cbindgen --version 0.29.2 --locked`): the
//!    header is byte-for-byte what cbindgen writes from `cbindgen.toml`. Skipped with a
//!    message otherwise. To regenerate, from the workspace root:
//!    `cbindgen --config polar-ffi/cbindgen.toml --crate polarsh-ffi --output polar-ffi/include/polar.h`

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const CRATE: &str = env!("CARGO_MANIFEST_DIR");

fn header() -> String {
    std::fs::read_to_string(format!("{CRATE}/include/polar.h")).expect("include/polar.h")
}

fn sources() -> String {
    let mut all = String::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(format!("{CRATE}/src"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    for f in files {
        all.push_str(&std::fs::read_to_string(f).unwrap());
        all.push('\n');
    }
    all
}

/// Identifier following `marker` on each line containing it.
fn names_after(text: &str, marker: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.split_once(marker).map(|(_, rest)| rest))
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|n| !n.is_empty())
        .collect()
}

#[test]
fn every_exported_symbol_is_declared() {
    let src = sources();
    let h = header();
    // Functions: `#[no_mangle]` followed by `pub [unsafe] extern "C" fn NAME`.
    let mut exported = BTreeSet::new();
    let lines: Vec<&str> = src.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.trim() == "#[no_mangle]" {
            let decl = lines[i + 1..]
                .iter()
                .find(|l| l.contains("extern \"C\" fn "))
                .expect("a function after #[no_mangle]");
            exported.extend(names_after(decl, "extern \"C\" fn "));
        }
    }
    let extern_fns = names_after(&src, "extern \"C\" fn ");
    assert_eq!(
        exported, extern_fns,
        "every extern \"C\" fn must be #[no_mangle]"
    );
    // Declared functions: a line with `polar_xxx(` that starts a declaration.
    let declared: BTreeSet<String> = h
        .lines()
        .filter(|l| !l.trim_start().starts_with('*') && !l.trim_start().starts_with("/*"))
        .filter_map(|l| {
            let i = l.find("polar_")?;
            let name: String = l[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            l[i + name.len()..].starts_with('(').then_some(name)
        })
        .collect();
    assert_eq!(
        declared, exported,
        "include/polar.h is stale: regenerate it (see this file)"
    );

    let consts = names_after(&src, "pub const ");
    let consts: BTreeSet<String> = consts
        .into_iter()
        .filter(|c| c.starts_with("POLAR_"))
        .collect();
    let defines: BTreeSet<String> = names_after(&h, "#define ")
        .into_iter()
        .filter(|c| c.starts_with("POLAR_") && c != "POLAR_FFI_H")
        .collect();
    assert_eq!(
        defines, consts,
        "include/polar.h is stale: regenerate it (see this file)"
    );

    for ty in ["PolarBuffer", "PolarRequest", "PolarError", "PolarStep"] {
        assert!(
            h.contains(&format!("}} {ty};")),
            "{ty} is not declared in polar.h"
        );
    }
}

fn cbindgen() -> Option<PathBuf> {
    let from_path = Command::new("cbindgen")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if from_path {
        return Some(PathBuf::from("cbindgen"));
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))?;
    let bin = home.join("bin").join("cbindgen");
    bin.exists().then_some(bin)
}

#[test]
fn header_is_what_cbindgen_writes() {
    let Some(cbindgen) = cbindgen() else {
        eprintln!(
            "SKIPPED header_is_what_cbindgen_writes: cbindgen is not installed \
             (cargo install cbindgen --version 0.29.2 --locked); only the symbol check ran"
        );
        return;
    };
    let out = std::env::temp_dir().join(format!("polar-ffi-{}.h", std::process::id()));
    let root = Path::new(CRATE).parent().unwrap();
    let run = Command::new(&cbindgen)
        .current_dir(root)
        .args([
            "--config",
            "polar-ffi/cbindgen.toml",
            "--crate",
            "polarsh-ffi",
            "--quiet",
            "--output",
        ])
        .arg(&out)
        .output()
        .expect("run cbindgen");
    assert!(
        run.status.success(),
        "cbindgen failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let fresh = std::fs::read_to_string(&out).expect("cbindgen output");
    let _ = std::fs::remove_file(&out);
    let checked_in = header();
    if fresh != checked_in {
        let first = fresh
            .lines()
            .zip(checked_in.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| "at the end".to_owned(), |i| format!("at line {}", i + 1));
        panic!(
            "include/polar.h is stale (differs {first}): regenerate it with\n  \
             cbindgen --config polar-ffi/cbindgen.toml --crate polarsh-ffi --output polar-ffi/include/polar.h"
        );
    }
}
