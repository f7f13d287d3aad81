//! The polar-rs code generator.
//!
//! ```text
//! cargo xtask generate                       regenerate polarsh-core from spec/
//! cargo xtask generate --check               exit 1, naming stale files, if output would change
//! cargo xtask generate --spec F --out DIR    write a standalone crate for another spec file
//! ```

mod accessors;
mod emit;
mod json;
mod model;
mod names;
mod shapes;

use json::J;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

/// Runtime files the generated code plugs into, copied into standalone crates.
const RUNTIME: &[(&str, &str)] = &[
    (
        "mod.rs",
        include_str!("../../polar-core/src/runtime/mod.rs"),
    ),
    (
        "call.rs",
        include_str!("../../polar-core/src/runtime/call.rs"),
    ),
    (
        "config.rs",
        include_str!("../../polar-core/src/runtime/config.rs"),
    ),
    (
        "exchange.rs",
        include_str!("../../polar-core/src/runtime/exchange.rs"),
    ),
    (
        "text.rs",
        include_str!("../../polar-core/src/runtime/text.rs"),
    ),
    (
        "doc.rs",
        include_str!("../../polar-core/src/runtime/doc.rs"),
    ),
    (
        "dates.rs",
        include_str!("../../polar-core/src/runtime/dates.rs"),
    ),
    (
        "json/mod.rs",
        include_str!("../../polar-core/src/runtime/json/mod.rs"),
    ),
    (
        "json/object.rs",
        include_str!("../../polar-core/src/runtime/json/object.rs"),
    ),
    (
        "json/path.rs",
        include_str!("../../polar-core/src/runtime/json/path.rs"),
    ),
    (
        "json/table.rs",
        include_str!("../../polar-core/src/runtime/json/table.rs"),
    ),
    (
        "json/traits.rs",
        include_str!("../../polar-core/src/runtime/json/traits.rs"),
    ),
    (
        "json/union.rs",
        include_str!("../../polar-core/src/runtime/json/union.rs"),
    ),
    (
        "json/write.rs",
        include_str!("../../polar-core/src/runtime/json/write.rs"),
    ),
    (
        "operation.rs",
        include_str!("../../polar-core/src/runtime/operation.rs"),
    ),
    (
        "paging.rs",
        include_str!("../../polar-core/src/runtime/paging.rs"),
    ),
    (
        "patch.rs",
        include_str!("../../polar-core/src/runtime/patch.rs"),
    ),
    (
        "redact.rs",
        include_str!("../../polar-core/src/runtime/redact.rs"),
    ),
    (
        "retry.rs",
        include_str!("../../polar-core/src/runtime/retry.rs"),
    ),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::from(2)
        }
    }
}

fn usage() -> String {
    "usage: cargo xtask generate [--check] [--spec FILE --out DIR]".into()
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let mut it = args.iter();
    if it.next().map(String::as_str) != Some("generate") {
        return Err(usage());
    }
    let (mut check, mut spec, mut out) = (false, None, None);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--check" => check = true,
            "--spec" => spec = Some(PathBuf::from(it.next().ok_or_else(usage)?)),
            "--out" => out = Some(PathBuf::from(it.next().ok_or_else(usage)?)),
            _ => return Err(usage()),
        }
    }
    let root = workspace_root();
    match (spec, out) {
        (Some(spec), Some(out)) => {
            let files = standalone(&load(&spec, None)?)?;
            write_all(&out, &files)?;
            println!("wrote {} files to {}", files.len(), out.display());
            Ok(ExitCode::SUCCESS)
        }
        (None, None) => {
            let version = std::fs::read_to_string(root.join("spec/VERSION"))
                .map_err(|e| format!("spec/VERSION: {e}"))?
                .trim()
                .to_string();
            let spec_path = root.join(format!("spec/polar-{version}.openapi.json"));
            let mut model = model::build(&load(&spec_path, Some(&version))?)?;
            format_snippets(&mut model)?;
            let mut files = BTreeMap::new();
            for (p, c) in emit::core_files(&model) {
                files.insert(format!("polar-core/src/generated/{p}"), fmt(&c)?);
            }
            files.insert(
                "tests/src/generated/examples.rs".into(),
                fmt(&emit::examples_file(&model))?,
            );
            files.insert(
                "tests/src/generated/types.rs".into(),
                fmt(&emit::types_file(&model))?,
            );
            files.insert(
                "tests/src/generated/snippets.rs".into(),
                fmt(&emit::snippets_file(&model))?,
            );
            let managed = ["polar-core/src/generated", "tests/src/generated"];
            if check {
                let stale = stale_files(&root, &managed, &files);
                if stale.is_empty() {
                    println!("generated code is up to date ({} files)", files.len());
                    return Ok(ExitCode::SUCCESS);
                }
                eprintln!("generated code is stale; run `cargo xtask generate`. Differing files:");
                for s in stale {
                    eprintln!("  {s}");
                }
                return Ok(ExitCode::FAILURE);
            }
            for dir in managed {
                let _ = std::fs::remove_dir_all(root.join(dir));
            }
            write_all(&root, &files)?;
            println!(
                "generated {} files ({} types) from spec {}",
                files.len(),
                model.defs.len(),
                model.version
            );
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(usage()),
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn load(path: &Path, expect_version: Option<&str>) -> Result<J, String> {
    let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let spec: J = serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let version = spec
        .get("info")
        .and_then(|i| i.get_str("version"))
        .ok_or_else(|| format!("{}: no info.version", path.display()))?;
    if let Some(v) = expect_version {
        if v != version {
            return Err(format!(
                "spec/VERSION says {v} but {} is version {version}",
                path.display()
            ));
        }
    }
    Ok(spec)
}

/// Formats Rust source with rustfmt (stdin to stdout), so output is stable and readable.
fn fmt(src: &str) -> Result<String, String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("running rustfmt: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("rustfmt stdin")?;
    let src_owned = src.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(src_owned.as_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("rustfmt: {e}"))?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(format!(
            "rustfmt rejected generated code: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("rustfmt output: {e}"))
}

/// Formats every operation's doc example with rustfmt, in one run: each in a module of its
/// own, taken back out and dedented, so the docs show what `tests/src/generated/snippets.rs`
/// compiles (where each sits in a module just the same).
fn format_snippets(model: &mut model::Model) -> Result<(), String> {
    let mut src = String::new();
    for (i, op) in model.ops.iter().enumerate() {
        src.push_str(&format!(
            "mod s{i} {{\n{}}}\n",
            emit::snippet(model, op).code
        ));
    }
    let formatted = fmt(&src)?;
    let mut current: Option<(usize, Vec<String>)> = None;
    let mut done = BTreeMap::new();
    for line in formatted.lines() {
        match &mut current {
            None => {
                current = line
                    .strip_prefix("mod s")
                    .and_then(|r| r.strip_suffix(" {"))
                    .and_then(|n| n.parse().ok())
                    .map(|i| (i, Vec::new()));
            }
            Some((i, lines)) if line == "}" => {
                let body = lines.join("\n") + "\n";
                if let Some(op) = model.ops.get(*i) {
                    done.insert(op.id.clone(), body);
                }
                current = None;
            }
            Some((_, lines)) => lines.push(line.strip_prefix("    ").unwrap_or(line).to_string()),
        }
    }
    if done.len() != model.ops.len() {
        return Err(format!(
            "formatting the doc examples: {} of {} came back",
            done.len(),
            model.ops.len()
        ));
    }
    model.snippets = done;
    Ok(())
}

fn write_all(root: &Path, files: &BTreeMap<String, String>) -> Result<(), String> {
    for (rel, content) in files {
        let p = root.join(rel);
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(&p, content).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    Ok(())
}

/// Files that differ, are missing, or exist under a managed directory but would not be written.
fn stale_files(root: &Path, managed: &[&str], files: &BTreeMap<String, String>) -> Vec<String> {
    let mut stale = Vec::new();
    for (rel, content) in files {
        match std::fs::read_to_string(root.join(rel)) {
            Ok(on_disk) if on_disk == *content => {}
            Ok(_) => stale.push(format!("{rel} (differs)")),
            Err(_) => stale.push(format!("{rel} (missing)")),
        }
    }
    for dir in managed {
        let mut found = Vec::new();
        list_files(&root.join(dir), &mut found);
        for f in found {
            if let Ok(rel) = f.strip_prefix(root) {
                let rel = rel.to_string_lossy().replace('\\', "/");
                if !files.contains_key(&rel) {
                    stale.push(format!("{rel} (not generated any more)"));
                }
            }
        }
    }
    stale
}

fn list_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            list_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// A crate that compiles on its own: the generated modules plus a copy of the runtime.
fn standalone(spec: &J) -> Result<BTreeMap<String, String>, String> {
    let mut model = model::build(spec)?;
    format_snippets(&mut model)?;
    let mut files = BTreeMap::new();
    for (p, c) in emit::core_files(&model) {
        files.insert(format!("src/generated/{p}"), fmt(&c)?);
    }
    for (name, src) in RUNTIME {
        files.insert(format!("src/runtime/{name}"), src.to_string());
    }
    files.insert(
        "src/lib.rs".into(),
        fmt(&format!(
            "//! Polar API models generated from spec version {v} by polar-rs's `cargo xtask generate`.\n\
             #![forbid(unsafe_code)]\n\
             #[doc(hidden)]\n\
             pub mod runtime;\nmod generated;\npub use generated::{{api, models, operations, SPEC_VERSION}};\npub use runtime::{{call, config, exchange, json, operation, paging, redact, retry, Patch}};\npub use runtime::text::{{Id, Str}};\n",
            v = model.version
        ))?,
    );
    files.insert(
        "Cargo.toml".into(),
        "[package]
name = \"polar-generated\"
version = \"0.0.0\"
edition = \"2021\"
publish = false

[dependencies]
bytes = \"1\"
http = \"1\"
serde = \"1\"
serde_json = \"1\"
thiserror = \"2\"
time = { version = \"0.3\", features = [\"formatting\", \"parsing\", \"macros\"] }

[features]
internal-models = []
by-id = []

[workspace]
"
        .to_string(),
    );
    Ok(files)
}
