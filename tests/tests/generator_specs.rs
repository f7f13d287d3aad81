//! The generator copes with Polar's other spec versions, not only the vendored one.
//!
//! Each test derives a spec from the vendored file by the kinds of change Polar's history shows
//! (see `SPEC-NOTES.md`, "How the spec changes"), generates a standalone crate from it with
//! `cargo xtask generate --spec F --out D`, checks facts in the generated source, and runs
//! `cargo check` on the crate. The mutations are grouped into two specs to keep CI time low:
//!
//! * a *newer* spec: another version string, enum values added (a plain enum and a sort enum),
//!   a required field removed, a new member in a discriminated union, a new operation with a
//!   new model, and an object turned into an undiscriminated union;
//! * an *older* spec: another version string, one global security scheme instead of
//!   per-operation ones, half the paths and all webhooks gone (their schemas left in place),
//!   and a union turned back into a plain object.
//!
//! A cheaper test (no `cargo check`) proves generation is stable: the same spec gives
//! byte-identical files, and an unrelated new schema changes only the `internal` module.
//!
//! Every test works in its own directory under the system temp dir (process id + test name),
//! so the tests run in parallel; the `cargo check`s share one target directory under the
//! workspace's (`target/generator-specs`), so dependencies compile once, and use a copy of the
//! workspace's `Cargo.lock` with `--offline`, so nothing is downloaded.

use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

// ---------------------------------------------------------------------------------------------
// Environment: workspace, cargo, directories
// ---------------------------------------------------------------------------------------------

fn workspace_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    root.canonicalize().unwrap_or(root)
}

/// The cargo running this test (the same toolchain builds the xtask and checks the crates).
fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_string())
}

/// The workspace's target directory (honouring `CARGO_TARGET_DIR`).
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => {
            let d = PathBuf::from(d);
            if d.is_absolute() {
                d
            } else {
                workspace_root().join(d)
            }
        }
        None => workspace_root().join("target"),
    }
}

/// A fresh, empty directory for one test: `<tmp>/polar-generator-specs-<pid>/<name>`.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("polar-generator-specs-{}", std::process::id()))
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

fn vendored_spec() -> Value {
    let root = workspace_root();
    let version = std::fs::read_to_string(root.join("spec/VERSION"))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|_| "2026-10".into());
    let path = root.join(format!("spec/polar-{version}.openapi.json"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).expect("the vendored spec is JSON")
}

/// Runs a command to completion; panics with its stdout and stderr unless it succeeds.
fn run(what: &str, cmd: &mut Command) {
    let started = Instant::now();
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: could not start {cmd:?}: {e}"));
    eprintln!("{what}: {:.1?}", started.elapsed());
    assert!(
        out.status.success(),
        "{what} failed ({})\ncommand: {cmd:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
}

/// Writes `spec` to `<dir>/<name>.openapi.json` and generates a standalone crate from it into
/// `<dir>/<name>`; returns the crate's directory.
fn generate(dir: &Path, name: &str, spec: &Value) -> PathBuf {
    let spec_file = dir.join(format!("{name}.openapi.json"));
    std::fs::write(
        &spec_file,
        serde_json::to_vec(spec).expect("spec serialises"),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", spec_file.display()));
    let out = dir.join(name);
    run(
        &format!("generate {name}"),
        Command::new(cargo())
            .current_dir(workspace_root())
            .args(["run", "--quiet", "--package", "xtask", "--", "generate"])
            .arg("--spec")
            .arg(&spec_file)
            .arg("--out")
            .arg(&out),
    );
    assert!(
        out.join("Cargo.toml").is_file() && out.join("src/lib.rs").is_file(),
        "the generator wrote no crate into {}",
        out.display()
    );
    out
}

/// `cargo check`s a generated crate (all features, so the `internal` models are checked too),
/// offline, against the workspace's lock file, in the shared target directory.
fn check(name: &str, krate: &Path) {
    let lock = workspace_root().join("Cargo.lock");
    std::fs::copy(&lock, krate.join("Cargo.lock"))
        .unwrap_or_else(|e| panic!("copying {}: {e}", lock.display()));
    run(
        &format!("cargo check {name}"),
        Command::new(cargo())
            .current_dir(krate)
            .args([
                "check",
                "--quiet",
                "--offline",
                "--all-features",
                "--manifest-path",
            ])
            .arg(krate.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", target_dir().join("generator-specs")),
    );
}

// ---------------------------------------------------------------------------------------------
// Reading the generated source
// ---------------------------------------------------------------------------------------------

/// Every file under `dir`, by path relative to it (with `/`), with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path.strip_prefix(base).expect("under base");
                let rel = rel.to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read(&path).expect("readable file"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The generated Rust sources of a crate, by relative path.
fn sources(krate: &Path) -> BTreeMap<String, String> {
    files(&krate.join("src"))
        .into_iter()
        .filter(|(p, _)| p.ends_with(".rs"))
        .map(|(p, b)| (p, String::from_utf8(b).expect("UTF-8 source")))
        .collect()
}

/// The item whose first line is `header` (e.g. `pub enum Customer {`), up to its closing
/// brace at column 0, and the file it is in; `None` when no file defines it.
fn item<'a>(src: &'a BTreeMap<String, String>, header: &str) -> Option<(&'a str, &'a str)> {
    src.iter().find_map(|(path, text)| {
        let start = text
            .match_indices(header)
            .map(|(i, _)| i)
            .find(|&i| i == 0 || text.as_bytes()[i - 1] == b'\n')?;
        let end = text[start..]
            .find("\n}")
            .map(|e| start + e + 2)
            .unwrap_or(text.len());
        Some((path.as_str(), &text[start..end]))
    })
}

fn expect_item<'a>(src: &'a BTreeMap<String, String>, header: &str) -> &'a str {
    item(src, header)
        .unwrap_or_else(|| panic!("no generated file defines `{header}`"))
        .1
}

// ---------------------------------------------------------------------------------------------
// Editing specs
// ---------------------------------------------------------------------------------------------

fn schemas(spec: &mut Value) -> &mut Map<String, Value> {
    spec.pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .expect("components.schemas")
}

fn schema<'a>(spec: &'a mut Value, name: &str) -> &'a mut Map<String, Value> {
    schemas(spec)
        .get_mut(name)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("the vendored spec has no object schema {name}"))
}

fn push_enum_values(spec: &mut Value, name: &str, values: &[&str]) {
    let list = schema(spec, name)
        .get_mut("enum")
        .and_then(Value::as_array_mut)
        .unwrap_or_else(|| panic!("{name} is not an enum"));
    list.extend(values.iter().map(|v| json!(v)));
}

/// Removes a property and its `required` entry; panics unless both were there.
fn remove_field(spec: &mut Value, name: &str, field: &str) {
    let s = schema(spec, name);
    let props = s
        .get_mut("properties")
        .and_then(Value::as_object_mut)
        .expect("properties");
    assert!(
        props.remove(field).is_some(),
        "{name} has no property {field}"
    );
    let required = s
        .get_mut("required")
        .and_then(Value::as_array_mut)
        .expect("required");
    let before = required.len();
    required.retain(|r| r != field);
    assert_eq!(
        required.len() + 1,
        before,
        "{field} is not required in {name}"
    );
}

fn set_version(spec: &mut Value, version: &str) {
    spec["info"]["version"] = json!(version);
}

/// The schema `name` as an object (its title and description replaced) with extra
/// properties, all required.
fn derived_object(
    spec: &mut Value,
    from: &str,
    title: &str,
    description: &str,
    extra: &[(&str, Value)],
) -> Value {
    let mut s = schema(spec, from).clone();
    s.insert("title".into(), json!(title));
    s.insert("description".into(), json!(description));
    let props = s
        .get_mut("properties")
        .and_then(Value::as_object_mut)
        .expect("properties");
    for (k, v) in extra {
        props.insert((*k).into(), v.clone());
    }
    let required = s
        .entry("required")
        .or_insert_with(|| json!([]))
        .as_array_mut()
        .expect("required");
    for (k, _) in extra {
        required.push(json!(k));
    }
    Value::Object(s)
}

/// Polar's next spec, as the history suggests it will look.
fn newer_spec() -> Value {
    let mut spec = vendored_spec();

    // 1. Another version string.
    set_version(&mut spec, "2027-01");

    // 2. Enum values added: a plain enum and a sort enum (with its `-` descending twin).
    push_enum_values(&mut spec, "CustomerType", &["robot"]);
    push_enum_values(
        &mut spec,
        "CustomerSortProperty",
        &["robot_score", "-robot_score"],
    );

    // 3. A required field removed.
    remove_field(&mut spec, "CustomerIndividual", "email");

    // 4. A new member of the discriminated union `Customer`.
    let mut robot_customer = derived_object(
        &mut spec,
        "CustomerTeam",
        "CustomerRobot",
        "A robot customer in an organization.",
        &[(
            "serial_number",
            json!({"type": "string", "title": "Serial Number"}),
        )],
    );
    robot_customer["properties"]["type"] = json!({
        "type": "string", "const": "robot", "title": "Type",
        "description": "The type of customer.", "examples": ["robot"]
    });
    schemas(&mut spec).insert("CustomerRobot".into(), robot_customer);
    let customer = schema(&mut spec, "Customer");
    customer["oneOf"]
        .as_array_mut()
        .expect("Customer is a oneOf")
        .push(json!({"$ref": "#/components/schemas/CustomerRobot"}));
    customer["discriminator"]["mapping"]["robot"] = json!("#/components/schemas/CustomerRobot");

    // 5. A new operation in a new group, with a new model: an inline enum and a nullable field.
    schemas(&mut spec).insert(
        "Robot".into(),
        json!({
            "type": "object",
            "title": "Robot",
            "description": "A robot.",
            "properties": {
                "id": {"type": "string", "format": "uuid4", "title": "Id"},
                "kind": {"type": "string", "enum": ["android", "drone"], "title": "Kind"},
                "nickname": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Nickname"},
                "battery": {"anyOf": [{"type": "integer"}, {"type": "null"}], "title": "Battery"}
            },
            "required": ["id", "kind", "nickname"]
        }),
    );
    let security = spec["paths"]["/v1/customers/{id}"]["get"]["security"].clone();
    assert!(security.is_array(), "customers:get has a security list");
    spec["paths"]
        .as_object_mut()
        .expect("paths")
        .insert(
            "/v1/robots/{id}".into(),
            json!({"get": {
                "tags": ["robots", "public"],
                "summary": "Get Robot",
                "description": "Get a robot by ID.",
                "operationId": "robots:get",
                "security": security,
                "parameters": [{
                    "name": "id", "in": "path", "required": true,
                    "schema": {"type": "string", "format": "uuid4", "title": "Id",
                               "description": "The robot ID."},
                    "description": "The robot ID."
                }],
                "responses": {
                    "200": {"description": "Successful Response", "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Robot"}}}},
                    "404": {"description": "Robot not found.", "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/ResourceNotFound"}}}},
                    "422": {"description": "Validation Error", "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}}
                },
                "x-speakeasy-group": "robots",
                "x-speakeasy-name-override": "get"
            }}),
        );

    // 6. An object turned into a union without discriminator (as `Customer` once was): the
    //    body of `CustomerSession` moves into two member schemas told apart by a const field.
    let standard = derived_object(
        &mut spec,
        "CustomerSession",
        "CustomerSessionStandard",
        "A customer session for the customer themselves.",
        &[(
            "mode",
            json!({"type": "string", "const": "standard", "title": "Mode"}),
        )],
    );
    let delegated = derived_object(
        &mut spec,
        "CustomerSession",
        "CustomerSessionDelegated",
        "A customer session opened on behalf of the customer.",
        &[
            (
                "mode",
                json!({"type": "string", "const": "delegated", "title": "Mode"}),
            ),
            (
                "delegate_id",
                json!({"type": "string", "format": "uuid4", "title": "Delegate Id"}),
            ),
        ],
    );
    let schemas = schemas(&mut spec);
    schemas.insert("CustomerSessionStandard".into(), standard);
    schemas.insert("CustomerSessionDelegated".into(), delegated);
    schemas.insert(
        "CustomerSession".into(),
        json!({
            "oneOf": [
                {"$ref": "#/components/schemas/CustomerSessionStandard"},
                {"$ref": "#/components/schemas/CustomerSessionDelegated"}
            ],
            "title": "CustomerSession"
        }),
    );
    spec
}

/// One of Polar's older specs, as the history shows them.
fn older_spec() -> Value {
    let mut spec = vendored_spec();
    set_version(&mut spec, "2025-08");

    // 7. One global security requirement; operations declare none.
    spec["security"] = json!([{"pat": []}]);
    for item in spec["paths"].as_object_mut().expect("paths").values_mut() {
        for op in item.as_object_mut().expect("path item").values_mut() {
            if let Some(op) = op.as_object_mut() {
                op.remove("security");
            }
        }
    }

    // 8. A smaller spec: every other path and all webhooks gone; their schemas stay behind.
    let paths = spec["paths"].as_object_mut().expect("paths");
    let dropped: Vec<String> = paths.keys().skip(1).step_by(2).cloned().collect();
    for p in &dropped {
        paths.remove(p);
    }
    spec.as_object_mut().expect("spec").remove("webhooks");

    // 6'. A union turned back into a plain object: `Customer` as older specs had it.
    let mut customer = derived_object(
        &mut spec,
        "CustomerIndividual",
        "Customer",
        "A customer in an organization.",
        &[],
    );
    customer["properties"]
        .as_object_mut()
        .expect("properties")
        .remove("type");
    customer["required"]
        .as_array_mut()
        .expect("required")
        .retain(|r| r != "type");
    schemas(&mut spec).insert("Customer".into(), customer);
    spec
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[test]
fn newer_spec_generates_a_crate_that_compiles() {
    let dir = scratch("newer");
    let krate = generate(&dir, "newer", &newer_spec());
    let src = sources(&krate);

    // 1. The version.
    let module = src.get("generated/mod.rs").expect("src/generated/mod.rs");
    assert!(
        module.contains(r#"pub const SPEC_VERSION: &str = "2027-01";"#),
        "SPEC_VERSION is not 2027-01 in src/generated/mod.rs"
    );

    // 2. The added enum values.
    let customer_type = expect_item(&src, "pub enum CustomerType {");
    assert!(
        customer_type.contains("    Robot,"),
        "CustomerType has no Robot variant:\n{customer_type}"
    );
    let sort = expect_item(&src, "pub enum CustomerSortProperty {");
    for v in ["    RobotScore,", "    RobotScoreDesc,"] {
        assert!(
            sort.contains(v),
            "CustomerSortProperty lacks `{v}`:\n{sort}"
        );
    }

    // 3. The removed field.
    let individual = expect_item(&src, "pub struct CustomerIndividual {");
    assert!(
        !individual.contains("pub email:"),
        "CustomerIndividual still has the removed field `email`:\n{individual}"
    );
    assert!(
        individual.contains("pub email_verified:"),
        "CustomerIndividual lost a field that was not removed:\n{individual}"
    );

    // 4. The new union member.
    expect_item(&src, "pub struct CustomerRobot {");
    let customer = expect_item(&src, "pub enum Customer {");
    assert!(
        customer.contains("(CustomerRobot)"),
        "Customer has no variant holding CustomerRobot:\n{customer}"
    );

    // 5. The new operation and its model.
    let robot = expect_item(&src, "pub struct Robot {");
    for f in [
        "pub id:",
        "pub kind:",
        "pub nickname: Option<",
        "pub battery:",
    ] {
        assert!(robot.contains(f), "Robot lacks `{f}`:\n{robot}");
    }
    assert!(
        src.iter()
            .any(|(p, t)| p.starts_with("generated/operations/") && t.contains("\"robots:get\"")),
        "no operation module has robots:get"
    );
    assert!(
        src.values()
            .any(|t| t.contains("`android`") && t.contains("`drone`")),
        "Robot.kind's inline enum is not generated"
    );

    // 6. The object turned into a union.
    assert!(
        item(&src, "pub struct CustomerSession {").is_none(),
        "CustomerSession is still a struct"
    );
    let session = expect_item(&src, "pub enum CustomerSession {");
    for member in ["(CustomerSessionStandard)", "(CustomerSessionDelegated)"] {
        assert!(
            session.contains(member),
            "CustomerSession has no variant `{member}`:\n{session}"
        );
    }

    check("newer", &krate);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn older_spec_generates_a_crate_that_compiles() {
    let dir = scratch("older");
    let spec = older_spec();
    let paths = spec["paths"].as_object().expect("paths");
    let kept: BTreeSet<String> = paths.keys().cloned().collect();
    let kept_ops = paths
        .values()
        .flat_map(|item| item.as_object().expect("path item").keys())
        .filter(|m| ["get", "put", "post", "delete", "patch"].contains(&m.as_str()))
        .count();
    let krate = generate(&dir, "older", &spec);
    let src = sources(&krate);

    let module = src.get("generated/mod.rs").expect("src/generated/mod.rs");
    assert!(
        module.contains(r#"pub const SPEC_VERSION: &str = "2025-08";"#),
        "SPEC_VERSION is not 2025-08 in src/generated/mod.rs"
    );

    // 7. The global security scheme applies to every operation, and nothing else does.
    let ops: Vec<(&String, &String)> = src
        .iter()
        .filter(|(p, _)| p.starts_with("generated/operations/"))
        .collect();
    assert!(
        ops.iter()
            .any(|(_, t)| t.contains("CredentialKind::PersonalToken")),
        "no operation accepts the global `pat` scheme"
    );
    for (path, text) in &ops {
        for other in [
            "OAuth2Token",
            "OrganizationToken",
            "CustomerSession",
            "MemberSession",
        ] {
            assert!(
                !text.contains(&format!("CredentialKind::{other}")),
                "{path} accepts CredentialKind::{other}, but the only security is global `pat`"
            );
        }
    }

    // 8. Only the kept paths have operations.
    let mut generated_ops = 0;
    for (path, text) in &ops {
        for line in text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("path: \""))
        {
            let p = line.trim_end_matches("\",");
            assert!(
                kept.contains(p),
                "{path} has an operation on dropped path {p}"
            );
            generated_ops += 1;
        }
    }
    assert_eq!(
        generated_ops, kept_ops,
        "operations generated vs. in the spec"
    );

    // 6'. The union turned back into an object.
    assert!(
        item(&src, "pub enum Customer {").is_none(),
        "Customer is still an enum"
    );
    let customer = expect_item(&src, "pub struct Customer {");
    assert!(
        customer.contains("pub email:") && customer.contains("pub email_verified:"),
        "Customer is not the plain object of the spec:\n{customer}"
    );

    check("older", &krate);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn generation_is_stable() {
    let dir = scratch("stable");
    let spec = vendored_spec();
    let first = files(&generate(&dir, "first", &spec));
    let second = files(&generate(&dir, "second", &spec));
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>(),
        "two runs on the same spec write different file sets"
    );
    let differing: Vec<&String> = first
        .iter()
        .filter(|(p, c)| second.get(*p) != Some(c))
        .map(|(p, _)| p)
        .collect();
    assert!(
        differing.is_empty(),
        "two runs on the same spec differ in {differing:?}"
    );

    // An unrelated schema lands in `internal` and shuffles no other name.
    let mut extended = spec;
    schemas(&mut extended).insert(
        "ZzUnrelated".into(),
        json!({
            "type": "object",
            "title": "ZzUnrelated",
            "properties": {"note": {"type": "string", "title": "Note"}},
            "required": ["note"]
        }),
    );
    let third = files(&generate(&dir, "extended", &extended));
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        third.keys().collect::<Vec<_>>(),
        "an unrelated schema changed the file set"
    );
    let internal = "src/generated/models/internal.rs";
    let differing: Vec<&String> = first
        .iter()
        .filter(|(p, c)| third.get(*p) != Some(c))
        .map(|(p, _)| p)
        .collect();
    assert_eq!(
        differing,
        vec![internal],
        "an unrelated schema must change only {internal}"
    );
    let text = String::from_utf8_lossy(&third[internal]);
    assert!(
        text.contains("pub struct ZzUnrelated {"),
        "{internal} does not define ZzUnrelated"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
