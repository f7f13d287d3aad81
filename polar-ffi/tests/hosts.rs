//! Two foreign hosts drive the core through the C ABI against a local mock of Polar (Prism on
//! the vendored spec, started once for this binary): the C program `tests/c/polar_demo.c`
//! (raw POSIX socket transport; compiled here with the system `cc` against the cdylib cargo
//! built for this crate; run under valgrind when installed) and the Python script
//! `tests/python/polar_ffi_demo.py` (ctypes + urllib). Both drive everything through the
//! library's exchanges (send what a step says, sleep what it says; no retry or paging rule
//! of their own): each creates a customer session (the seed example), walks every product
//! page and item, has a refused connection retried as the exchange decides, ingests a few
//! usage events through a queue (two batches, the second sent by close; Prism must find
//! each request valid), checks the bad-input cases and ends with no library buffer and no
//! exchange alive.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// Prism serving the vendored spec on a free loopback port, killed on drop.
struct Prism {
    child: std::process::Child,
    port: u16,
}

impl Prism {
    fn start() -> Prism {
        let bin = format!("{ROOT}/tests/prism/node_modules/.bin/prism");
        assert!(
            Path::new(&bin).exists(),
            "Prism is not installed: run scripts/install-prism.sh"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let version = std::fs::read_to_string(format!("{ROOT}/spec/VERSION")).expect("VERSION");
        let spec = format!("{ROOT}/spec/polar-{}.openapi.json", version.trim());
        let child = Command::new(bin)
            .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string(), &spec])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Prism");
        let prism = Prism { child, port };
        let deadline = Instant::now() + Duration::from_secs(90);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "Prism did not start within 90 s");
            std::thread::sleep(Duration::from_millis(200));
        }
        prism
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The directory cargo put this crate's cdylib in: this test's executable is
/// `<target>/<profile>/deps/hosts-<hash>`; the library is in `<target>/<profile>` (and in
/// `deps/`). The newest copy wins.
fn cdylib() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let deps = exe.parent().expect("deps dir");
    let profile = deps.parent().expect("profile dir");
    let name = format!(
        "{}polarsh_ffi{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    [profile.join(&name), deps.join(&name)]
        .into_iter()
        .filter_map(|p| Some((p.metadata().ok()?.modified().ok()?, p)))
        .max()
        .map(|(_, p)| p)
        .unwrap_or_else(|| {
            panic!(
                "{name} not found in {} or {}: cargo builds it with this crate's tests",
                profile.display(),
                deps.display()
            )
        })
}

fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn show(what: &str, out: &Output) -> String {
    format!(
        "{what}: {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn c_host(port: u16, lib: &Path) {
    let lib_dir = lib.parent().expect("lib dir");
    let out_dir = std::env::temp_dir().join(format!("polar-ffi-c-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).expect("temp dir");
    let exe = out_dir.join("polar_demo");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let compiled = Command::new(&cc)
        .args([
            "-std=c11",
            "-D_POSIX_C_SOURCE=200809L",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-g",
        ])
        .arg(format!("-I{ROOT}/polar-ffi/include"))
        .arg(format!("{ROOT}/tests/c/polar_demo.c"))
        .arg(format!("-L{}", lib_dir.display()))
        .arg("-lpolarsh_ffi")
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()))
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the C compiler `{cc}`: {e}"));
    assert!(compiled.status.success(), "{}", show("cc", &compiled));

    let valgrind = available("valgrind");
    let mut cmd = if valgrind {
        let mut c = Command::new("valgrind");
        c.args([
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
            "--error-exitcode=1",
        ])
        .arg(&exe);
        c
    } else {
        eprintln!("valgrind is not installed: running the C host without it");
        Command::new(&exe)
    };
    let out = cmd.arg(port.to_string()).output().expect("run the C host");
    let _ = std::fs::remove_dir_all(&out_dir);
    assert!(out.status.success(), "{}", show("C host", &out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("checks passed, 0 buffers alive, 0 exchanges alive"),
        "{stdout}"
    );
    println!("{stdout}");
    if valgrind {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("ERROR SUMMARY: 0 errors"),
            "{}",
            show("valgrind", &out)
        );
        assert!(
            stderr.contains("definitely lost: 0 bytes") || stderr.contains("no leaks are possible"),
            "{}",
            show("valgrind", &out)
        );
        for line in stderr.lines().filter(|l| {
            [
                "definitely lost",
                "indirectly lost",
                "ERROR SUMMARY",
                "in use at exit",
            ]
            .iter()
            .any(|k| l.contains(k))
        }) {
            println!("valgrind: {line}");
        }
    }
}

fn python_host(port: u16, lib: &Path) {
    let out = Command::new("python3")
        .arg(format!("{ROOT}/tests/python/polar_ffi_demo.py"))
        .arg("--lib")
        .arg(lib)
        .args(["--base-url", &format!("http://127.0.0.1:{port}")])
        .args([
            "--vectors",
            &format!("{ROOT}/tests/fixtures/webhooks/vectors.json"),
        ])
        .output()
        .expect("python3 is needed to run tests/python/polar_ffi_demo.py");
    assert!(out.status.success(), "{}", show("Python host", &out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("all checks passed, 0 buffers alive, 0 exchanges alive"),
        "{stdout}"
    );
    println!("{stdout}");
}

/// One test, one Prism (it takes ~10 s to start): the C host, then the Python host.
#[test]
fn c_and_python_hosts_against_prism() {
    let lib = cdylib();
    let prism = Prism::start();
    c_host(prism.port, &lib);
    python_host(prism.port, &lib);
}
