//! Embeds `suite/` in the binary, so `sigv4-conformance run` works from any folder after
//! `cargo install --path .`.

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

fn main() {
    // The host platform, for `cargo metadata --filter-platform` (src/suite/official.rs).
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rustc-env=SIGV4_HOST_TARGET={target}");
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".to_string());
    let root = Path::new(&manifest).join("suite");
    println!("cargo:rerun-if-changed=suite");
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    let mut code = String::from("/// Every file of the suite: (path relative to suite/, bytes).\npub static FILES: &[(&str, &[u8])] = &[\n");
    for file in &files {
        let full = root.join(file);
        let _ = writeln!(
            code,
            "    ({file:?}, include_bytes!({:?})),",
            full.to_string_lossy()
        );
    }
    code.push_str("];\n");
    let out = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".to_string());
    if let Err(e) = std::fs::write(Path::new(&out).join("embedded_suite.rs"), code) {
        println!("cargo:warning=cannot write the embedded suite: {e}");
    }
}
