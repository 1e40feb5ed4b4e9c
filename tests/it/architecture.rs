//! Keeps the layers of ARCHITECTURE.md honest (a "tidy" test, as rust-analyzer keeps): every
//! `crate::…` path in a module's code points at a module of the same or a lower layer. Test
//! code (`#[cfg(test)] mod tests`, `measures/test_support.rs`) may reach anywhere.

use std::path::Path;

use crate::support::repository_root;

/// The layers, lowest first, as ARCHITECTURE.md draws them: the top-level modules of `src/`.
const LAYERS: &[&[&str]] = &[
    &["calendar", "date_format", "digest", "performance", "progress"],
    &["extracts", "model", "scope", "timeframes"],
    &["config"],
    &["ingest", "generate"],
    &["measures"],
    &["engine"],
    &["output", "reports"],
    &["delivery", "metrics"],
    &["cli", "failure"],
    &["commands"],
    &["lib", "main"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The top-level module a source file belongs to (`src/engine/counting.rs` → `engine`).
fn module_of(relative: &Path) -> String {
    let first = relative
        .components()
        .next()
        .map(|component| component.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    first.trim_end_matches(".rs").to_string()
}

/// The code of a file without its unit-test module (everything from `#[cfg(test)]` followed by
/// `mod`), and without comments.
fn code_without_tests(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let end = (0..lines.len())
        .find(|&index| {
            lines[index].trim() == "#[cfg(test)]"
                && lines
                    .get(index + 1)
                    .is_some_and(|next| next.trim_start().starts_with("mod ") || next.contains(" mod "))
        })
        .unwrap_or(lines.len());
    lines[..end]
        .iter()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules named by `crate::<module>` in `code`, including inside `use
/// crate::{a, b::c}` groups.
fn referenced_modules(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inside = &group[..group.find('}').unwrap_or(group.len())];
            for item in inside.split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.push(name);
                }
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            found.push(name);
        }
    }
    found
}

/// "file: module → target" for every import that runs up the layers.
fn upward_imports(files: &[(String, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (relative, text) in files {
        let module = module_of(Path::new(relative));
        let Some(own_layer) = layer_of(&module) else {
            problems.push(format!("{relative}: module {module} is in no layer of ARCHITECTURE.md"));
            continue;
        };
        for target in referenced_modules(&code_without_tests(text)) {
            match layer_of(&target) {
                Some(layer) if layer <= own_layer => {}
                Some(_) => problems.push(format!("{relative}: {module} imports {target}, a higher layer")),
                // A crate-root item (a function or type of lib.rs) is the top layer.
                None => problems.push(format!(
                    "{relative}: {module} imports crate::{target}, not a layer's module"
                )),
            }
        }
    }
    problems
}

fn source_files(directory: &Path, root: &Path, files: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(directory)
        .expect("read src")
        .flatten()
        .map(|entry| entry.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            source_files(&path, root, files);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            let relative = path
                .strip_prefix(root)
                .expect("under src")
                .to_string_lossy()
                .into_owned();
            // Declared `#[cfg(test)]` in measures/mod.rs: test code as a whole.
            if relative.ends_with("test_support.rs") {
                continue;
            }
            files.push((relative, std::fs::read_to_string(&path).expect("read source")));
        }
    }
}

#[test]
fn every_import_points_at_the_same_or_a_lower_layer() {
    let src = repository_root().join("src");
    let mut files = Vec::new();
    source_files(&src, &src, &mut files);
    assert!(files.len() > 40, "{} source files", files.len());
    let problems = upward_imports(&files);
    assert!(
        problems.is_empty(),
        "imports against the layers:\n{}",
        problems.join("\n")
    );
    // Every top-level module is in a layer, and ARCHITECTURE.md lists the layers' modules.
    let architecture = std::fs::read_to_string(repository_root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    for module in LAYERS.iter().flat_map(|layer| layer.iter()) {
        if !["lib", "main"].contains(module) {
            assert!(
                architecture.contains(&format!("`{module}`")),
                "ARCHITECTURE.md does not name the module `{module}`"
            );
        }
    }
}

#[test]
fn the_check_finds_an_upward_import_and_ignores_test_code() {
    let planted = |code: &str| upward_imports(&[("ingest/reader.rs".to_string(), code.to_string())]);
    assert!(planted("use crate::config::Config;\nuse crate::calendar::Period;\n").is_empty());
    assert_eq!(planted("use crate::engine::Results;\n").len(), 1);
    assert_eq!(planted("use crate::{config, reports::html};\n").len(), 1);
    assert_eq!(planted("fn f() { crate::delivery::send(); }\n").len(), 1);
    assert!(
        planted("// crate::delivery in a comment\n#[cfg(test)]\nmod tests {\n use crate::engine::Results;\n}\n")
            .is_empty()
    );
}
