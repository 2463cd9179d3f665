//! `cargo xtask layers`: no module of a crate imports from a module that imports it back.
//!
//! Imports should go one way, down the data flow (hook → record → ring → decode → enrich →
//! sink), so that a room can be read, tested and changed without the rooms above it. A circle
//! (`a` uses `b`, `b` uses `a`, directly or through others) means a helper lives in the wrong
//! room. This reads every `.rs` file of a crate's `src/`, takes the module each one is, and
//! the modules it names through `crate::` and `super::` paths (in `use` declarations and in
//! code alike), and fails on every strongly connected set of more than one file.
//!
//! What counts as an edge, and why:
//! - `crate::a::b::Item` and `super::b::Item` name the file of the longest module prefix that
//!   exists (`a/b.rs`, else `a/mod.rs` or `a.rs`).
//! - A parent's `mod child;` and `pub use child::Item;` are the module tree and its façade,
//!   not a dependency, so a parent's relative paths to its children are not counted; a child
//!   that uses the parent's own items (`super::Item`) is. Shared types therefore live in a
//!   file of their own, which parent and children both use.
//! - The crate root (`lib.rs`, `main.rs`) only declares and re-exports; it is left out.
//!
//! Comments, doc comments and string literals are skipped, so a doc that mentions
//! `crate::x` is no edge. The parse is lexical, made for this repository's code, and its unit
//! tests pin the cases it must handle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::cmd::{root, step};

/// The crates checked, by their `src/` folder. The bench's modules are a tree of their own:
/// `tests/src/bin/bindscope-bench.rs` declares them with `#[path]`, so their `crate::` is the
/// bench binary, not the `bindscope-tests` library.
const CRATES: [&str; 5] = [
    "observer/src",
    "codec/src",
    "tests/src",
    "tests/src/bench",
    "xtask/src",
];

/// Options of `cargo xtask layers`.
#[derive(clap::Args)]
pub struct LayersArgs {
    /// Also print every module and the modules it uses.
    #[arg(long)]
    pub graph: bool,
}

/// Checks every crate of [`CRATES`]; fails naming each circle.
pub fn check(args: &LayersArgs) -> Result<()> {
    let mut circles = Vec::new();
    for krate in CRATES {
        let src = root().join(krate);
        let graph = Graph::read(&src)?;
        if args.graph {
            for (module, used) in &graph.edges {
                let used: Vec<&str> = used.iter().map(String::as_str).collect();
                println!("{krate}: {module} -> {}", used.join(", "));
            }
        }
        let found = graph.circles();
        step(&format!(
            "layers: {krate}: {} modules, {} imports between them, {} circles",
            graph.edges.len(),
            graph.edges.values().map(BTreeSet::len).sum::<usize>(),
            found.len()
        ));
        for circle in found {
            circles.push(format!("{krate}: {}", circle.join(" <-> ")));
        }
    }
    if !circles.is_empty() {
        bail!(
            "modules import each other (move the shared helper to the room that owns it):\n  {}",
            circles.join("\n  ")
        );
    }
    Ok(())
}

/// A crate's modules and which of them each one uses.
struct Graph {
    /// Module path (`decode`, `trace::ring`) to the modules it uses.
    edges: BTreeMap<String, BTreeSet<String>>,
}

impl Graph {
    fn read(src: &Path) -> Result<Self> {
        let mut files = Vec::new();
        collect(src, &mut files)?;
        let modules: BTreeMap<String, PathBuf> = files
            .iter()
            .filter_map(|file| Some((module_of(src, file)?, file.clone())))
            .collect();
        let known: BTreeSet<&str> = modules.keys().map(String::as_str).collect();
        let mut edges = BTreeMap::new();
        for (module, file) in &modules {
            if module.is_empty() {
                continue; // the crate root
            }
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            let mut used = BTreeSet::new();
            for path in paths(&strip(&text)) {
                if let Some(target) = resolve(module, &path, &known) {
                    if target != *module && !target.is_empty() {
                        used.insert(target);
                    }
                }
            }
            edges.insert(module.clone(), used);
        }
        Ok(Self { edges })
    }

    /// Every strongly connected set of more than one module (Tarjan's algorithm), sorted.
    fn circles(&self) -> Vec<Vec<String>> {
        struct State<'a> {
            graph: &'a BTreeMap<String, BTreeSet<String>>,
            index: BTreeMap<&'a str, usize>,
            low: BTreeMap<&'a str, usize>,
            stack: Vec<&'a str>,
            on_stack: BTreeSet<&'a str>,
            found: Vec<Vec<String>>,
        }
        fn visit<'a>(state: &mut State<'a>, node: &'a str) {
            let next = state.index.len();
            state.index.insert(node, next);
            state.low.insert(node, next);
            state.stack.push(node);
            state.on_stack.insert(node);
            let graph = state.graph;
            for target in graph.get(node).into_iter().flatten() {
                let target = target.as_str();
                if !state.index.contains_key(target) {
                    visit(state, target);
                    let low = state.low[node].min(state.low[target]);
                    state.low.insert(node, low);
                } else if state.on_stack.contains(target) {
                    let low = state.low[node].min(state.index[target]);
                    state.low.insert(node, low);
                }
            }
            if state.low[node] == state.index[node] {
                let mut set = Vec::new();
                while let Some(top) = state.stack.pop() {
                    state.on_stack.remove(top);
                    set.push(top.to_owned());
                    if top == node {
                        break;
                    }
                }
                if set.len() > 1 {
                    set.sort();
                    state.found.push(set);
                }
            }
        }
        let mut state = State {
            graph: &self.edges,
            index: BTreeMap::new(),
            low: BTreeMap::new(),
            stack: Vec::new(),
            on_stack: BTreeSet::new(),
            found: Vec::new(),
        };
        for node in self.edges.keys() {
            if !state.index.contains_key(node.as_str()) {
                visit(&mut state, node);
            }
        }
        state.found.sort();
        state.found
    }
}

/// Every `.rs` file under `dir`, except `bin/` targets (each is a crate root of its own) and
/// the other trees of [`CRATES`].
fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            let own_tree = CRATES.iter().any(|krate| path == root().join(krate));
            if path.file_name().is_some_and(|name| name != "bin") && !own_tree {
                collect(&path, files)?;
            }
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    Ok(())
}

/// The module a file is: `a/b.rs` and `a/b/mod.rs` are `a::b`; `lib.rs` and `main.rs` are
/// the root (""). Files of a `#[path]`-declared tree (the bench's) are named by their path
/// alike.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).ok()?.with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|last| last == "mod") {
        parts.pop();
    }
    if parts.len() == 1 && (parts[0] == "lib" || parts[0] == "main") {
        parts.clear();
    }
    Some(parts.join("::"))
}

/// The source with comments, string and character literals blanked out.
fn strip(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            let end = rest.find('\n').unwrap_or(rest.len());
            i += end;
        } else if rest.starts_with("/*") {
            let mut depth = 0;
            let mut j = 0;
            while j < rest.len() {
                if rest[j..].starts_with("/*") {
                    depth += 1;
                    j += 2;
                } else if rest[j..].starts_with("*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += rest[j..].chars().next().map_or(1, char::len_utf8);
                }
            }
            i += j;
            out.push(' ');
        } else if let Some(len) = raw_string(rest) {
            i += len;
            out.push_str("\"\"");
        } else if rest.starts_with('"') {
            let mut j = 1;
            while j < rest.len() {
                match rest.as_bytes()[j] {
                    b'\\' => j += 2,
                    b'"' => {
                        j += 1;
                        break;
                    }
                    _ => j += 1,
                }
            }
            i += j.min(rest.len());
            out.push_str("\"\"");
        } else if let Some(len) = char_literal(rest) {
            i += len;
            out.push_str("' '");
        } else {
            let ch = rest.chars().next().expect("rest is not empty");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// The length of a raw string literal (`r"..."`, `r#"..."#`, `br"..."`) at the start of
/// `text`, if one starts there.
fn raw_string(text: &str) -> Option<usize> {
    let after_b = text.strip_prefix('b').unwrap_or(text);
    let after_r = after_b.strip_prefix('r')?;
    let hashes = after_r.len() - after_r.trim_start_matches('#').len();
    let body = after_r[hashes..].strip_prefix('"')?;
    let close = format!("\"{}", "#".repeat(hashes));
    let end = body.find(&close)?;
    Some(text.len() - body.len() + end + close.len())
}

/// The length of a character literal at the start of `text` (not a lifetime).
fn char_literal(text: &str) -> Option<usize> {
    let rest = text.strip_prefix('\'')?;
    if let Some(escaped) = rest.strip_prefix('\\') {
        let close = escaped.find('\'')?;
        return Some(2 + close + 1);
    }
    let ch = rest.chars().next()?;
    rest[ch.len_utf8()..]
        .starts_with('\'')
        .then_some(1 + ch.len_utf8() + 1)
}

/// Every path that starts with `crate` or `super`, as its segments, with `use` trees
/// (`use crate::{a::{B, C}, d};`) expanded into one path per leaf.
fn paths(code: &str) -> Vec<Vec<String>> {
    let tokens = tokenize(code);
    let mut found = Vec::new();
    // The brace depths at which inline modules (`mod name {`) opened, innermost last.
    let mut inline: Vec<usize> = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    while i < tokens.len() {
        let nesting = inline.len();
        let found_before = found.len();
        match tokens[i].as_str() {
            "{" => {
                if i >= 2 && tokens[i - 2] == "mod" && is_ident(&tokens[i - 1]) {
                    inline.push(depth);
                }
                depth += 1;
            }
            "}" => {
                depth -= 1;
                if inline.last() == Some(&depth) {
                    inline.pop();
                }
            }
            _ => {}
        }
        let starts_path = (tokens[i] == "crate" || tokens[i] == "super")
            && tokens.get(i + 1).is_some_and(|t| t == "::")
            && (i == 0 || tokens[i - 1] != "::");
        if tokens[i] == "use" {
            let end = tokens[i..]
                .iter()
                .position(|t| t == ";")
                .map_or(tokens.len(), |p| i + p);
            expand(&tokens[i + 1..end], &mut Vec::new(), &mut found);
            i = end;
        } else if starts_path {
            let mut path = vec![tokens[i].clone()];
            let mut j = i + 1;
            while tokens.get(j).is_some_and(|t| t == "::")
                && tokens.get(j + 1).is_some_and(|t| is_ident(t))
            {
                path.push(tokens[j + 1].clone());
                j += 2;
            }
            found.push(path);
            i = j;
        } else {
            i += 1;
        }
        for path in &mut found[found_before..] {
            if path.first().is_some_and(|t| t == "super") {
                path.splice(0..0, std::iter::repeat_n("self".to_owned(), nesting));
            }
        }
    }
    found.retain(|path| {
        path.first()
            .is_some_and(|t| t == "crate" || t == "super" || t == "self")
    });
    found
}

/// Expands one `use` tree into its paths.
fn expand(tokens: &[String], prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut start = 0;
    let mut depth = 0;
    let mut items = Vec::new();
    for (at, token) in tokens.iter().enumerate() {
        match token.as_str() {
            "{" => depth += 1,
            "}" => depth -= 1,
            "," if depth == 0 => {
                items.push(&tokens[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    items.push(&tokens[start..]);
    for item in items {
        let mut path = prefix.clone();
        let mut rest = item;
        while let Some((first, tail)) = rest.split_first() {
            match first.as_str() {
                "::" => rest = tail,
                "{" => {
                    let inner = &tail[..tail.len().saturating_sub(1)];
                    expand(inner, &mut path, out);
                    path.clear();
                    break;
                }
                "as" => break,
                word if is_ident(word) || word == "*" => {
                    path.push(word.to_owned());
                    rest = tail;
                }
                _ => rest = tail,
            }
        }
        if !path.is_empty() && path != *prefix {
            out.push(path);
        }
    }
}

fn is_ident(token: &str) -> bool {
    token
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// Identifiers, `::`, and single punctuation characters.
fn tokenize(code: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut chars = code.char_indices().peekable();
    while let Some((at, ch)) = chars.next() {
        if ch.is_alphanumeric() || ch == '_' {
            let mut end = at + ch.len_utf8();
            while let Some(&(next_at, next)) = chars.peek() {
                if next.is_alphanumeric() || next == '_' {
                    end = next_at + next.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            tokens.push(code[at..end].to_owned());
        } else if ch == ':' && chars.peek().is_some_and(|&(_, next)| next == ':') {
            chars.next();
            tokens.push("::".to_owned());
        } else if !ch.is_whitespace() {
            tokens.push(ch.to_string());
        }
    }
    tokens
}

/// The module a path names, from the module `from`. A path found inside an inline module
/// (`mod tests { use super::*; }`) starts with one `self` per level of nesting, which the
/// first `super`s cancel: they name the file's own module, not its parent.
fn resolve(from: &str, path: &[String], known: &BTreeSet<&str>) -> Option<String> {
    let mut base: Vec<&str> = if from.is_empty() {
        Vec::new()
    } else {
        from.split("::").collect()
    };
    let mut rest = path;
    let mut relative = false;
    while rest.first().is_some_and(|t| t == "self") {
        rest = &rest[1..];
        if rest.first().is_some_and(|t| t == "super") {
            rest = &rest[1..];
            relative = true;
        } else {
            return None; // a path into the inline module itself
        }
    }
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("super") => {
            // `super` in `a/b.rs` and in `a/b/mod.rs` (both module a::b) is `a`.
            while rest.first().is_some_and(|t| t == "super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        _ if relative => {}
        _ => return None,
    }
    let mut best = base.join("::");
    let mut candidate = base.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    for segment in rest {
        candidate.push(segment.clone());
        let name = candidate.join("::");
        if known.contains(name.as_str()) {
            best = name;
        } else {
            break;
        }
    }
    Some(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> BTreeSet<&'static str> {
        ["", "a", "a::b", "a::c", "d"].into_iter().collect()
    }

    #[test]
    fn use_trees_expand_to_one_path_per_leaf() {
        let code = strip("use crate::{a::{b::X, c}, d as e};\nuse super::b;");
        let found: Vec<String> = paths(&code).iter().map(|p| p.join("::")).collect();
        assert_eq!(
            found,
            ["crate::a::b::X", "crate::a::c", "crate::d", "super::b"]
        );
    }

    #[test]
    fn inline_paths_count_and_comments_and_strings_do_not() {
        let code = strip(
            "// crate::d::X\n/// crate::d\nlet s = \"crate::d\"; let r = r#\"crate::d\"#;\n\
             let c = '\"'; let x = crate::a::b::f(); fn g<'a>(_: &'a str) {}",
        );
        let found: Vec<String> = paths(&code).iter().map(|p| p.join("::")).collect();
        assert_eq!(found, ["crate::a::b::f"]);
    }

    #[test]
    fn paths_resolve_to_the_longest_known_module() {
        let path = |text: &str| text.split("::").map(str::to_owned).collect::<Vec<_>>();
        let k = known();
        assert_eq!(
            resolve("d", &path("crate::a::b::X"), &k).as_deref(),
            Some("a::b")
        );
        assert_eq!(
            resolve("a::b", &path("super::c::f"), &k).as_deref(),
            Some("a::c")
        );
        assert_eq!(
            resolve("a::b", &path("super::Shared"), &k).as_deref(),
            Some("a")
        );
        assert_eq!(resolve("d", &path("crate::Error"), &k).as_deref(), Some(""));
    }

    #[test]
    fn super_in_an_inline_module_is_the_file_itself() {
        let code = strip("use super::c::X;\nmod tests {\n    use super::*;\n    use super::super::d;\n}\nuse super::d;");
        let found: Vec<String> = paths(&code).iter().map(|p| p.join("::")).collect();
        assert_eq!(
            found,
            [
                "super::c::X",
                "self::super::*",
                "self::super::super::d",
                "super::d"
            ]
        );
        let k = known();
        let resolved: Vec<Option<String>> = paths(&code)
            .iter()
            .map(|p| resolve("a::b", p, &k))
            .collect();
        assert_eq!(
            resolved,
            [
                Some("a::c".into()),
                Some("a::b".into()),
                Some("a".into()),
                Some("a".into())
            ]
        );
    }

    #[test]
    fn a_circle_is_found_and_a_chain_is_not() {
        let edges = |pairs: &[(&str, &str)]| {
            let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for (from, to) in pairs {
                map.entry((*from).into()).or_default().insert((*to).into());
                map.entry((*to).into()).or_default();
            }
            Graph { edges: map }
        };
        assert!(edges(&[("a", "b"), ("b", "c")]).circles().is_empty());
        assert_eq!(
            edges(&[("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")]).circles(),
            [["a", "b", "c"]]
        );
    }

    /// The repository itself: the check `cargo xtask test` runs, as a unit test too.
    #[test]
    fn this_repository_has_no_circle() {
        for krate in CRATES {
            let graph = Graph::read(&root().join(krate)).expect("reading the crate");
            assert!(graph.circles().is_empty(), "{krate}: {:?}", graph.circles());
        }
    }
}
