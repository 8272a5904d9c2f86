//! The rule that imports run one way (docs/ARCHITECTURE.md), checked on the source text: each
//! top-level module of `src/` imports only the layers below its own (and the few sideways
//! imports the document names), no two files of one folder import each other
//! (`discord/commands.rs` ⇄ `discord/qa.rs` would be one), the same holds between the modules
//! of each crate in `crates/`, and no workspace crate depends on one that depends on it. A
//! folder's `mod.rs` is its parent and may be used by its children; test code (from
//! `#[cfg(test)]` on) is not counted.
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

/// The layers of `src/`, top first, as docs/ARCHITECTURE.md draws them: a module may import
/// the layers below its own.
const LAYERS: &[&[&str]] = &[
    &["cli", "discord"],
    &["commands", "jobs", "source"],
    &["domain", "ops"],
    &["store"],
    &["program"],
    &["reply", "error", "ids", "clock", "picture"],
];

/// Imports within a layer that the document allows: `serve` runs the bot; `/announce` reads the
/// announcement plan and message; `/program reload` asks the live source. The floor's modules
/// use each other too (one way: the cycle check holds them to it).
const SIDEWAYS: &[(&str, &str)] = &[
    ("cli", "discord"),
    ("commands", "jobs"),
    ("commands", "source"),
];

fn layer_of(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|layer| layer.contains(&module))
        .unwrap_or_else(|| {
            panic!("src/{module} is in no layer: add it to LAYERS and to docs/ARCHITECTURE.md")
        })
}

/// The imports of `top` that go up, or sideways without the document's leave.
fn against_the_layers(top: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let floor = LAYERS.len() - 1;
    let mut wrong = Vec::new();
    for (from, targets) in top {
        for to in targets {
            let (a, b) = (layer_of(from), layer_of(to));
            let allowed =
                b > a || (a == b && a == floor) || SIDEWAYS.contains(&(from.as_str(), to.as_str()));
            if !allowed {
                wrong.push(format!("{from} → {to}"));
            }
        }
    }
    wrong
}

/// The code of each module of the crate whose sources are in `src`, without comments and tests.
fn modules_of(src: &Path) -> BTreeMap<Module, String> {
    let mut files = Vec::new();
    sources(src, &mut files);
    files
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
        .collect()
}

/// The imports between the top-level modules of a crate, and between the files of each folder.
type Graphs = (
    BTreeMap<String, BTreeSet<String>>,
    BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
);

fn graphs(modules: &BTreeMap<Module, String>) -> Graphs {
    let known: BTreeSet<Module> = modules.keys().cloned().collect();
    // Top-level modules, and the files of each folder.
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut folders: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (module, code) in modules {
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

/// Fails, naming them, if modules of the crate in `dir` or files of one of its folders import
/// each other.
fn assert_no_cycle(dir: &str, (top, folders): &Graphs) {
    if let Some(found) = cycle(top) {
        panic!("modules of {dir}/ import each other: {}", found.join(" → "));
    }
    for (folder, graph) in folders {
        if let Some(found) = cycle(graph) {
            panic!(
                "files of {dir}/{folder}/ import each other: {}",
                found.join(" → ")
            );
        }
    }
}

#[test]
fn imports_run_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graphs = graphs(&modules_of(&src));
    let top = &graphs.0;
    assert!(
        top.contains_key("discord") && top["discord"].contains("commands"),
        "the reader found no references: {top:?}"
    );
    let wrong = against_the_layers(top);
    assert!(wrong.is_empty(), "imports against the layers: {wrong:?}");
    assert_no_cycle("src", &graphs);
}

#[test]
fn the_crates_import_one_way_too() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates");
    for entry in std::fs::read_dir(&crates).unwrap() {
        let src = entry.unwrap().path().join("src");
        if src.is_dir() {
            let name = src.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap();
            assert_no_cycle(&name.display().to_string(), &graphs(&modules_of(&src)));
        }
    }
}

/// The workspace's crates and the workspace crates each depends on (dev-dependencies too), from
/// each member's Cargo.toml: `name = { path = ... }` entries.
fn workspace_dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut manifests = vec![root.join("Cargo.toml")];
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        let manifest = entry.unwrap().path().join("Cargo.toml");
        if manifest.exists() {
            manifests.push(manifest);
        }
    }
    let mut graph = BTreeMap::new();
    for manifest in manifests {
        let text = std::fs::read_to_string(&manifest).unwrap();
        let name = text
            .lines()
            .find_map(|l| l.strip_prefix("name = "))
            .map(|n| n.trim_matches('"').to_string())
            .unwrap();
        let depends: BTreeSet<String> = text
            .lines()
            .filter(|l| l.contains("path = "))
            .filter_map(|l| l.split_once(" = ").map(|(dep, _)| dep.trim().to_string()))
            .collect();
        graph.insert(name, depends);
    }
    graph
}

#[test]
fn no_workspace_crate_depends_on_one_that_depends_on_it() {
    let graph = workspace_dependencies();
    assert!(
        graph
            .get("confbot")
            .is_some_and(|d| d.contains("fake-discord")),
        "the reader found no path dependencies: {graph:?}"
    );
    if let Some(found) = cycle(&graph) {
        panic!(
            "workspace crates depend on each other: {}",
            found.join(" → ")
        );
    }
}

#[test]
fn an_import_up_a_layer_is_found() {
    let top: BTreeMap<String, BTreeSet<String>> = [
        ("store", vec!["program"]),
        ("program", vec!["store"]),
        ("commands", vec!["jobs"]),
        ("jobs", vec!["commands"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_iter().map(str::to_string).collect()))
    .collect();
    assert_eq!(
        against_the_layers(&top),
        ["jobs → commands", "program → store"]
    );
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

/// The Dockerfile builds the dependencies from the manifests alone: a member it does not copy
/// breaks `docker build` (cargo cannot load the workspace), which no other test would notice.
#[test]
fn the_dockerfile_copies_every_workspace_members_manifest() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let members = manifest
        .lines()
        .find_map(|l| l.strip_prefix("members = "))
        .expect("Cargo.toml lists the workspace's members");
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    let mut checked = 0;
    for member in members.trim_matches(['[', ']']).split(',') {
        let member = member.trim().trim_matches('"');
        if member == "." {
            continue;
        }
        let copy = format!("COPY {member}/Cargo.toml {member}/");
        assert!(dockerfile.contains(&copy), "the Dockerfile lacks `{copy}`");
        checked += 1;
    }
    assert!(checked >= 4, "found only {checked} members in {members}");
}
