//! Sets `SIGV4_HOST_TARGET` and, in release builds (what `cargo install` makes), embeds `suite/` in
//! the library (`src/suite/embedded.rs`) so that `sigv4-conformance run` works from any folder.
//! The `embedded-suite` feature embeds it in every build: a crate that checks its signer with
//! `sigv4_conformance::harness` enables it to read the suite from memory, wherever its tests run.
//!
//! Only release builds embed: cargo makes every target of a package depend on its build script,
//! so a build script that watches `suite/` rebuilds the library and every test binary whenever a
//! fixture changes. A debug build instead reads `suite/` from its source tree when it runs
//! (`runner/embedded.rs`), so `cargo test` never rebuilds for a fixture edit and never sees a stale
//! copy; a release build reruns this script on any change under `suite/` (edited, added or
//! deleted files), so its copy is never stale either.

use std::fmt::Write;
use std::path::Path;

fn collect(dir: &Path, root: &Path, files: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, root, files);
        } else if let Ok(rel) = path.strip_prefix(root) {
            files.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// The source of `src/suite/embedded.rs`'s `FILES`: every file of the suite, or `None`.
fn embedded_suite(root: &Path) -> String {
    let mut files = Vec::new();
    collect(root, root, &mut files);
    let mut code = String::from(
        "/// Every file of the suite: (path relative to suite/, bytes).\n\
         pub static FILES: Option<&[(&str, &[u8])]> = Some(&[\n",
    );
    for file in &files {
        let full = root.join(file);
        let _ = writeln!(
            code,
            "    ({file:?}, include_bytes!({:?})),",
            full.to_string_lossy()
        );
    }
    code.push_str("]);\n");
    code
}

fn main() {
    // The host platform, for `cargo metadata --filter-platform` (src/suite/official.rs).
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rustc-env=SIGV4_HOST_TARGET={target}");
    println!("cargo:rerun-if-changed=build.rs");
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".to_string());
    let embed = std::env::var("PROFILE").is_ok_and(|p| p == "release")
        || std::env::var_os("CARGO_FEATURE_EMBEDDED_SUITE").is_some();
    let code = if embed {
        // A folder is watched recursively: any file under it edited, added or removed.
        println!("cargo:rerun-if-changed=suite");
        embedded_suite(&Path::new(&manifest).join("suite"))
    } else {
        "/// Not embedded in a debug build without the `embedded-suite` feature: `suite/` is read\n\
         /// from the source tree.\n\
         pub static FILES: Option<&[(&str, &[u8])]> = None;\n"
            .to_string()
    };
    let out = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".to_string());
    if let Err(e) = std::fs::write(Path::new(&out).join("embedded_suite.rs"), code) {
        println!("cargo:warning=cannot write the embedded suite: {e}");
    }
}
