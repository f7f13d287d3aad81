//! What docs.rs shows a reader: every operation's doc example is code that compiles, each
//! operation names its scopes once, and no generated doc comment only repeats the name of its
//! item.
//!
//! The examples are compiled as `polar_tests::generated::snippets` (one module each, written
//! by `cargo xtask generate`); here each operation's docs are checked to show exactly that
//! code, so a doc example cannot drift from what the compiler saw.

use polar_tests::generated::snippets::SNIPPETS;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn generated_dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../polar-core/src/generated")
        .join(sub)
}

/// The Rust sources under a generated directory.
fn sources(sub: &str) -> Vec<(String, String)> {
    let dir = generated_dir(sub);
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("readable source");
            out.push((path.display().to_string(), text));
        }
    }
    out
}

#[test]
fn every_operation_shows_the_example_the_tests_compile() {
    let ids: BTreeSet<&str> = polarsh_core::operations::ALL.iter().map(|s| s.id).collect();
    let with_example: BTreeSet<&str> = SNIPPETS.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        ids, with_example,
        "operations without an example, or examples without one"
    );

    let operations: String = sources("operations")
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    for (id, code) in SNIPPETS {
        // The docs hold the example as one string literal, fenced as Rust.
        let literal = format!("{:?}", format!("```rust\n{code}```"));
        assert!(
            operations.contains(&literal),
            "the docs of `{id}` do not show the example that is compiled:\n{code}"
        );
        assert!(
            code.contains(".send()") || code.contains(".pages()"),
            "the example of `{id}` calls nothing:\n{code}"
        );
    }
}

/// Lowercase letters and digits only: `ListResource[Customer]` and `ListResourceCustomer`,
/// `Id` and `id` are the same words.
fn norm(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[test]
fn no_generated_doc_only_repeats_its_items_name() {
    let mut offenders = Vec::new();
    for sub in ["models", "operations", ""] {
        let files = if sub.is_empty() {
            vec![(
                "api.rs".to_string(),
                std::fs::read_to_string(generated_dir("api.rs")).expect("api.rs"),
            )]
        } else {
            sources(sub)
        };
        for (path, text) in files {
            let mut block: Vec<&str> = Vec::new();
            for line in text.lines() {
                let t = line.trim_start();
                if let Some(d) = t.strip_prefix("///") {
                    block.push(d.trim());
                    continue;
                }
                if t.starts_with("#[") || t.starts_with("//") {
                    continue;
                }
                // The item the block documents: a field, variant, type or function.
                let name = t
                    .strip_prefix("pub ")
                    .map(|r| {
                        r.trim_start_matches("struct ")
                            .trim_start_matches("enum ")
                            .trim_start_matches("type ")
                            .trim_start_matches("fn ")
                    })
                    .unwrap_or(t)
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or_default();
                // Notes the generator adds to real docs (`JSON: ...`, `Spec: ...`) are not
                // what a reader looks at first: judge the first paragraph.
                let first: Vec<&str> = block
                    .iter()
                    .take_while(|l| !l.is_empty())
                    .copied()
                    .collect();
                if !block.is_empty() && !name.is_empty() && norm(&first.join(" ")) == norm(name) {
                    offenders.push(format!("{path}: `{name}`: /// {}", first.join(" ")));
                }
                block.clear();
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "{} doc comments only repeat their item's name, e.g.:\n{}",
        offenders.len(),
        offenders
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The doc comments of generated sources: each a run of `///` lines, joined.
fn doc_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut block = Vec::new();
    for line in text.lines() {
        match line.trim_start().strip_prefix("///") {
            Some(d) => block.push(d.trim()),
            None if !block.is_empty() => blocks.push(std::mem::take(&mut block).join("\n")),
            None => {}
        }
    }
    blocks
}

#[test]
fn every_operation_names_its_scopes_once() {
    // Polar's descriptions end in a `**Scopes**` line of their own; the generator drops it
    // and writes the scopes once, next to the credentials, from the spec's security list.
    let blocks: Vec<String> = sources("operations")
        .iter()
        .flat_map(|(_, text)| doc_blocks(text))
        .collect();
    for spec in polarsh_core::operations::ALL {
        let marker = format!("`{}` · `", spec.id);
        let found: Vec<&String> = blocks.iter().filter(|b| b.contains(&marker)).collect();
        assert_eq!(
            found.len(),
            1,
            "`{}`: {} doc blocks name it",
            spec.id,
            found.len()
        );
        let doc = found[0].to_lowercase();
        let expected = usize::from(!spec.scopes.is_empty());
        assert_eq!(
            doc.matches("scopes").count(),
            expected,
            "`{}` should name its scopes {expected} time(s):\n{}",
            spec.id,
            found[0]
        );
        for scope in spec.scopes {
            assert_eq!(
                doc.matches(&format!("`{scope}`")).count(),
                1,
                "`{}` names the scope `{scope}` other than once:\n{}",
                spec.id,
                found[0]
            );
        }
    }
    // The clients' methods point to the operation instead of repeating its scopes.
    let api = std::fs::read_to_string(generated_dir("api.rs")).expect("api.rs");
    assert!(
        !doc_blocks(&api).iter().any(|b| b.contains("Scopes")),
        "api.rs repeats scopes"
    );
}
