//! The rule that imports run one way (docs/ARCHITECTURE.md), checked on the source text: no
//! cycle between the top-level modules of `src/` or of any workspace crate's `src/`, none
//! between the files of one folder (`discord/commands.rs` ⇄ `discord/qa.rs` would be one), and
//! none between the workspace's crates, dev-dependencies included. A folder's `mod.rs` is its parent
//! and may be used by its children; test code (from `#[cfg(test)]` on) is not counted.
//!
//! References are read from `crate::a::b` and `super::b` paths, including `use` groups
//! (`use super::{a, b::c}`): enough for this codebase's style, and it fails loudly (a cycle
//! named) rather than silently when the code changes shape.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module as a path from the crate root: `[]` is `lib.rs`, `["discord", "qa"]` its file.
type Module = Vec<String>;

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn module_of(src: &Path, file: &Path) -> Module {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Module = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The first identifier of each path in `tree`: `a`, `b::c` and `{d, e}` in `a, b::c, {d, e}`.
fn heads(tree: &str) -> Vec<String> {
    tree.split(',')
        .map(|part| part.trim().trim_start_matches('{').trim())
        .filter_map(|part| {
            let head: String = part
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            (!head.is_empty()).then_some(head)
        })
        .collect()
}

/// What `prefix::` is followed by at each of its occurrences: one name, or a `{…}` group.
fn after(code: &str, prefix: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().last();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            found.extend(heads(&group[..end]));
        } else {
            found.extend(heads(
                rest.split(|c: char| c != '_' && !c.is_alphanumeric())
                    .next()
                    .unwrap_or(""),
            ));
        }
    }
    found
}

/// The modules `module`'s code refers to, as far as the crate has them.
fn references(module: &Module, code: &str, known: &BTreeSet<Module>) -> BTreeSet<Module> {
    let mut targets = BTreeSet::new();
    let mut add = |base: Module, names: Vec<String>| {
        for name in names {
            let mut target = base.clone();
            target.push(name);
            if known.contains(&target) {
                targets.insert(target);
            } else {
                // An item of `base` itself (a type of its mod.rs).
                targets.insert(base.clone());
            }
        }
    };
    add(Vec::new(), after(code, "crate::"));
    // `super` of `a::b` (a file of folder `a`, or folder `b`'s mod.rs) is `a`.
    let mut parent = module.clone();
    parent.pop();
    add(parent, after(code, "super::"));
    // `crate::a::b`: a file of folder `a`.
    for (i, _) in code.match_indices("crate::") {
        let path: String = code[i + "crate::".len()..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        let parts: Module = path
            .split("::")
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        if parts.len() >= 2 && known.contains(&parts[..2].to_vec()) {
            targets.insert(parts[..2].to_vec());
        }
    }
    targets.remove(module);
    targets
}

/// A cycle in `graph`, if any, as the nodes along it.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut found = path[start..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

/// The import graphs of the crate whose sources are in `src`: between its top-level modules,
/// and between the files of each folder.
type Graph = BTreeMap<String, BTreeSet<String>>;

fn import_graphs(src: &Path) -> (Graph, BTreeMap<String, Graph>) {
    let mut files = Vec::new();
    sources(src, &mut files);
    let modules: BTreeMap<Module, String> = files
        .iter()
        .filter(|f| !f.ends_with("testing.rs") && !f.ends_with("main.rs"))
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            let code: String = text
                .split("#[cfg(test)]")
                .next()
                .unwrap()
                .lines()
                .filter(|line| !line.trim_start().starts_with("//"))
                .map(|line| format!("{line}\n"))
                .collect();
            (module_of(src, f), code)
        })
        .collect();
    let known: BTreeSet<Module> = modules.keys().cloned().collect();
    let mut top: Graph = BTreeMap::new();
    let mut folders: BTreeMap<String, Graph> = BTreeMap::new();
    for (module, code) in &modules {
        for target in references(module, code, &known) {
            if let (Some(from), Some(to)) = (module.first(), target.first()) {
                if from != to {
                    top.entry(from.clone()).or_default().insert(to.clone());
                }
            }
            if module.len() == 2 && target.len() == 2 && module[0] == target[0] {
                folders
                    .entry(module[0].clone())
                    .or_default()
                    .entry(module[1].clone())
                    .or_default()
                    .insert(target[1].clone());
            }
        }
    }
    (top, folders)
}

/// Panics naming the first cycle in the graphs of the crate at `root`.
fn assert_no_cycle(root: &Path, top: &Graph, folders: &BTreeMap<String, Graph>) {
    let name = root.display();
    if let Some(found) = cycle(top) {
        panic!(
            "modules of {name}/src/ import each other: {}",
            found.join(" → ")
        );
    }
    for (folder, graph) in folders {
        if let Some(found) = cycle(graph) {
            panic!(
                "files of {name}/src/{folder}/ import each other: {}",
                found.join(" → ")
            );
        }
    }
}

#[test]
fn imports_run_one_way() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (top, folders) = import_graphs(&root.join("src"));
    assert!(
        top.contains_key("discord") && top["discord"].contains("commands"),
        "the reader found no references: {top:?}"
    );
    assert_no_cycle(root, &top, &folders);
}

/// The crates of the workspace, from the root's `[workspace] members`.
fn workspace_crates() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let members = manifest
        .lines()
        .find(|line| line.starts_with("members"))
        .expect("the workspace lists its members");
    members
        .split('"')
        .skip(1)
        .step_by(2)
        .map(|member| root.join(member))
        .collect()
}

#[test]
fn the_files_of_each_workspace_crate_import_one_way() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let crates: Vec<PathBuf> = workspace_crates()
        .into_iter()
        .filter(|k| k.starts_with(root.join("crates")))
        .collect();
    assert!(crates.len() > 1, "{crates:?}");
    for krate in &crates {
        let (top, folders) = import_graphs(&krate.join("src"));
        assert_no_cycle(krate, &top, &folders);
    }
}

/// The workspace crates `krate`'s manifest depends on by path, dev-dependencies included.
fn path_dependencies(krate: &Path) -> BTreeSet<String> {
    let manifest = std::fs::read_to_string(krate.join("Cargo.toml")).unwrap();
    manifest
        .lines()
        .filter_map(|line| {
            let (_, rest) = line.split_once("path = \"")?;
            let path = rest.split('"').next()?;
            let target = krate.join(path).canonicalize().ok()?;
            Some(target.display().to_string())
        })
        .collect()
}

#[test]
fn no_workspace_crate_depends_on_itself_through_others_even_for_tests() {
    let graph: Graph = workspace_crates()
        .iter()
        .map(|krate| {
            let name = krate.canonicalize().unwrap().display().to_string();
            (name, path_dependencies(krate))
        })
        .collect();
    assert!(graph.values().any(|deps| !deps.is_empty()), "{graph:?}");
    if let Some(found) = cycle(&graph) {
        panic!(
            "workspace crates depend on each other: {}",
            found.join(" → ")
        );
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let graph: BTreeMap<String, BTreeSet<String>> =
        [("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a"])]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.into_iter().map(str::to_string).collect()))
            .collect();
    assert_eq!(cycle(&graph).unwrap(), ["a", "b", "c", "a"]);
    assert_eq!(heads("a, b::c, {d, e}, Self"), ["a", "b", "d", "e", "Self"]);
}
