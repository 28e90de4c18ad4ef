//! The structure of one Apex file: its top-level declaration and, recursively,
//! the members of every class, interface and enum body, as byte ranges into the
//! original text.
//!
//! The ranges tile the file without gaps or overlaps (prefix, head, each
//! member's lead and text, tail, suffix), so rendering a model concatenates
//! slices of the original and gives the file back byte for byte. Everything the
//! merge does is choosing, per range, which side's bytes to copy; it never
//! reformats.

use super::Error;
use std::collections::HashMap;
use std::ops::Range;
use tree_sitter::{Node, Parser, Tree};

/// What a member or container is, for naming and for deciding how to compare it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Class,
    Interface,
    Enum,
    Trigger,
    Method,
    Constructor,
    Field,
    Property,
    EnumConstant,
    Initializer,
    StaticInitializer,
}

impl Kind {
    /// Returns the word used in unit names (`method`, `inner class`).
    pub(crate) fn word(self, nested: bool) -> &'static str {
        match (self, nested) {
            (Kind::Class, true) => "inner class",
            (Kind::Class, false) => "class",
            (Kind::Interface, true) => "inner interface",
            (Kind::Interface, false) => "interface",
            (Kind::Enum, true) => "inner enum",
            (Kind::Enum, false) => "enum",
            (Kind::Trigger, _) => "trigger",
            (Kind::Method, _) => "method",
            (Kind::Constructor, _) => "constructor",
            (Kind::Field, _) => "field",
            (Kind::Property, _) => "property",
            (Kind::EnumConstant, _) => "enum constant",
            (Kind::Initializer, _) => "initializer",
            (Kind::StaticInitializer, _) => "static initializer",
        }
    }
}

/// One member of a body (or the top-level declaration itself).
#[derive(Debug, Clone)]
pub(crate) struct Member {
    /// The case-insensitive identity: `method calculate(decimal,integer)`.
    pub key: String,
    /// The identity as a person reads it: `method calculate(Decimal, Integer)`.
    pub display: String,
    pub kind: Kind,
    /// Text between the previous member (or the body's opening line) and this
    /// member: blank lines, separators, comments that are not attached.
    pub lead: Range<usize>,
    /// The member's own text: its doc comment, annotations, modifiers and
    /// declaration, from the start of its first line to the end of its last.
    pub text: Range<usize>,
    /// The declaration node itself (without attached comments).
    pub node: Range<usize>,
    /// Where the method or initializer body starts, for telling signature
    /// changes from body changes.
    pub body_start: Option<usize>,
    /// The initializer of a single-name field, for `old -> new` wording.
    pub value: Option<Range<usize>>,
    /// The body of a class, interface, enum or trigger.
    pub body: Option<Container>,
}

/// A declaration's body split into header, members and closing text.
#[derive(Debug, Clone)]
pub(crate) struct Container {
    /// From the declaration's first byte through the opening brace's line.
    pub head: Range<usize>,
    pub members: Vec<Member>,
    /// From the end of the last member through the end of the declaration.
    pub tail: Range<usize>,
    /// Header facts compared by the diff (`implements`, modifiers, events).
    pub header: Header,
}

/// Parts of a declaration header named in diffs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Header {
    pub extends: Vec<String>,
    pub implements: Vec<String>,
    pub modifiers: Vec<String>,
    pub annotations: Vec<String>,
    pub trigger_object: Option<String>,
    pub trigger_events: Vec<String>,
}

/// One leaf token of the syntax tree.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    pub start: usize,
    pub end: usize,
    pub comment: bool,
}

/// A parsed file: the text, its top-level declaration and its tokens.
#[derive(Debug)]
pub(crate) struct File<'a> {
    pub text: &'a str,
    /// Everything before the top-level declaration's lead ends is its `lead`.
    pub decl: Member,
    /// What follows the top-level declaration's last line.
    pub suffix: Range<usize>,
    tokens: Vec<Token>,
    /// Kept so that a similar text can be parsed incrementally from this one.
    tree: Tree,
}

impl<'a> File<'a> {
    /// Parses `bytes` (named `side` in errors) into its structure.
    pub(crate) fn parse(side: &'static str, bytes: &'a [u8]) -> Result<File<'a>, Error> {
        Self::parse_with(side, bytes, false, None)
    }

    /// Parses like [`File::parse`], reusing the syntax tree of `similar`
    /// where the two texts share lines: tree-sitter then only re-parses what
    /// changed, which is what makes merging large classes affordable.
    pub(crate) fn parse_like(
        side: &'static str,
        bytes: &'a [u8],
        similar: &File<'_>,
    ) -> Result<File<'a>, Error> {
        Self::parse_with(side, bytes, false, Some(similar))
    }

    /// Parses like [`File::parse`] and also keeps the leaf tokens the diff
    /// compares (the merge never needs them).
    pub(crate) fn parse_with_tokens(
        side: &'static str,
        bytes: &'a [u8],
    ) -> Result<File<'a>, Error> {
        Self::parse_with(side, bytes, true, None)
    }

    fn parse_with(
        side: &'static str,
        bytes: &'a [u8],
        with_tokens: bool,
        similar: Option<&File<'_>>,
    ) -> Result<File<'a>, Error> {
        let text = std::str::from_utf8(bytes).map_err(|e| Error::NotUtf8 {
            side,
            offset: e.valid_up_to(),
        })?;
        let old = similar.map(|f| edited_tree(f.text, &f.tree, text));
        let tree = parse_tree(side, text, old.as_ref())?;
        let root = tree.root_node();
        let mut decl_node = None;
        let mut cursor = root.walk();
        let children: Vec<Node<'_>> = root.children(&mut cursor).collect();
        drop(cursor);
        for child in children {
            if is_comment(child.kind()) {
                continue;
            }
            let is_decl = matches!(
                child.kind(),
                "class_declaration"
                    | "interface_declaration"
                    | "enum_declaration"
                    | "trigger_declaration"
            );
            if !is_decl || decl_node.is_some() {
                return Err(Error::Structure {
                    side,
                    message: format!(
                        "expected one class, interface, enum or trigger declaration, found `{}` at line {}",
                        child.kind(),
                        child.start_position().row + 1
                    ),
                });
            }
            decl_node = Some(child);
        }
        let decl_node = decl_node.ok_or_else(|| Error::Structure {
            side,
            message: "the file holds no class, interface, enum or trigger declaration".into(),
        })?;
        let builder = Builder { side, text };
        let mut members = builder.members(root, &[decl_node], 0, text.len(), false, true)?;
        let decl = members.pop().expect("one declaration was given");
        let suffix = decl.text.end..text.len();
        Ok(File {
            text,
            decl,
            suffix,
            tokens: if with_tokens {
                collect_tokens(&tree)
            } else {
                Vec::new()
            },
            tree,
        })
    }

    /// Returns the text of `range`.
    pub(crate) fn slice(&self, range: &Range<usize>) -> &'a str {
        &self.text[range.clone()]
    }

    /// Returns the leaf tokens inside `range`.
    pub(crate) fn tokens(&self, range: &Range<usize>) -> &[Token] {
        let from = self.tokens.partition_point(|t| t.start < range.start);
        let to = self.tokens.partition_point(|t| t.start < range.end);
        &self.tokens[from..to.max(from)]
    }

    /// Returns the identity paths of every member in the file
    /// (`class a/class builder/method build()`), for the merge's retention check.
    pub(crate) fn key_paths(&self) -> Vec<String> {
        let mut out = Vec::new();
        member_paths(&self.decl, "", &mut out);
        out
    }
}

/// Appends the paths of `member` and everything inside it.
pub(crate) fn member_paths(member: &Member, prefix: &str, out: &mut Vec<String>) {
    let path = format!("{prefix}/{}", member.key);
    if let Some(body) = &member.body {
        for inner in &body.members {
            member_paths(inner, &path, out);
        }
    }
    out.push(path);
}

/// Parses `text` and rejects trees with error or missing nodes.
/// Returns `old_tree` edited to describe `new` (line-granular edits from a
/// histogram line diff), ready for an incremental parse of `new`.
fn edited_tree(old: &str, old_tree: &Tree, new: &str) -> Tree {
    use imara_diff::{Algorithm, Diff, InternedInput};
    let input = InternedInput::new(old, new);
    let diff = Diff::compute(Algorithm::Histogram, &input);
    let line_starts = |text: &str| -> Vec<usize> {
        std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .chain(std::iter::once(text.len()))
            .collect()
    };
    let (old_starts, new_starts) = (line_starts(old), line_starts(new));
    let offset = |starts: &[usize], line: u32| starts[(line as usize).min(starts.len() - 1)];
    let mut tree = old_tree.clone();
    let hunks: Vec<_> = diff.hunks().collect();
    // Later edits first: each edit is then still expressed in the original
    // coordinates, which is what tree-sitter expects of consecutive edits.
    for hunk in hunks.iter().rev() {
        let start = offset(&old_starts, hunk.before.start);
        let old_end = offset(&old_starts, hunk.before.end);
        let inserted = offset(&new_starts, hunk.after.end) - offset(&new_starts, hunk.after.start);
        let row = hunk.before.start as usize;
        tree.edit(&tree_sitter::InputEdit {
            start_byte: start,
            old_end_byte: old_end,
            new_end_byte: start + inserted,
            start_position: tree_sitter::Point { row, column: 0 },
            old_end_position: tree_sitter::Point {
                row: hunk.before.end as usize,
                column: 0,
            },
            new_end_position: tree_sitter::Point {
                row: row + (hunk.after.end - hunk.after.start) as usize,
                column: 0,
            },
        });
    }
    tree
}

/// Parses `text` (incrementally when `old` describes an edited earlier
/// version) and rejects trees with error or missing nodes.
pub(crate) fn parse_tree(
    side: &'static str,
    text: &str,
    old: Option<&Tree>,
) -> Result<Tree, Error> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_sfapex::apex::LANGUAGE.into())
        .expect("the bundled Apex grammar matches the tree-sitter ABI");
    let tree = parser.parse(text, old).ok_or_else(|| Error::Structure {
        side,
        message: "the parser gave up".into(),
    })?;
    if let Some(bad) = first_error(tree.root_node()) {
        let position = bad.start_position();
        let what = if bad.is_missing() {
            format!("missing `{}`", bad.kind())
        } else {
            "unexpected syntax".to_string()
        };
        let start = bad.start_byte();
        let len = bad.end_byte().saturating_sub(start).max(1);
        return Err(Error::Parse {
            side,
            line: position.row + 1,
            column: position.column + 1,
            message: what,
            source_code: std::sync::Arc::new(miette::NamedSource::new(side, text.to_string())),
            span: (
                start.min(text.len()),
                len.min(text.len() - start.min(text.len())),
            )
                .into(),
        });
    }
    Ok(tree)
}

/// Returns the first error or missing node in document order.
fn first_error(node: Node<'_>) -> Option<Node<'_>> {
    if node.is_error() || node.is_missing() {
        return Some(node);
    }
    if !node.has_error() {
        return None;
    }
    let mut cursor = node.walk();
    let children: Vec<Node<'_>> = node.children(&mut cursor).collect();
    children.into_iter().find_map(first_error)
}

fn collect_tokens(tree: &Tree) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut cursor = tree.walk();
    'walk: loop {
        let node = cursor.node();
        let comment = is_comment(node.kind());
        // String literals and comments are single tokens even when the
        // grammar gives them inner structure.
        if node.child_count() == 0 || comment || node.kind() == "string_literal" {
            if node.end_byte() > node.start_byte() {
                tokens.push(Token {
                    start: node.start_byte(),
                    end: node.end_byte(),
                    comment,
                });
            }
        } else if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    tokens
}

pub(crate) fn is_comment(kind: &str) -> bool {
    matches!(kind, "line_comment" | "block_comment")
}

struct Builder<'a> {
    side: &'static str,
    text: &'a str,
}

impl Builder<'_> {
    /// Builds the members among `parent`'s children `nodes`, which lie between
    /// byte `from` (end of the previous region) and `limit`.
    fn members(
        &self,
        parent: Node<'_>,
        nodes: &[Node<'_>],
        from: usize,
        limit: usize,
        in_enum: bool,
        top: bool,
    ) -> Result<Vec<Member>, Error> {
        let mut cursor = parent.walk();
        let comments: Vec<Node<'_>> = parent
            .children(&mut cursor)
            .filter(|c| is_comment(c.kind()))
            .collect();
        let mut members = Vec::with_capacity(nodes.len());
        let mut at = from;
        let mut ordinals: HashMap<Kind, usize> = HashMap::new();
        for (i, node) in nodes.iter().enumerate() {
            let next_start = nodes.get(i + 1).map_or(limit, |n| n.start_byte());
            // Attach the comments directly above (no blank line between).
            let mut start = node.start_byte();
            let above = comments.partition_point(|c| c.end_byte() <= start);
            for comment in comments[..above].iter().rev() {
                if comment.start_byte() < at {
                    break;
                }
                let between = &self.text[comment.end_byte()..start];
                if between.trim().is_empty() && between.matches('\n').count() <= 1 {
                    start = comment.start_byte();
                } else {
                    break;
                }
            }
            let line_start = self.text[..start].rfind('\n').map_or(0, |p| p + 1);
            if line_start >= at && self.text[line_start..start].trim().is_empty() {
                start = line_start;
            }
            let end = if in_enum {
                node.end_byte()
            } else {
                self.line_end(node.end_byte(), next_start)
            };
            let mut member = self.member(*node, !top, &mut ordinals)?;
            member.lead = at..start;
            member.text = start..end;
            if let Some(body) = &mut member.body {
                body.head.start = start;
                body.tail.end = end;
            }
            members.push(member);
            at = end;
        }
        let mut seen: HashMap<&str, &Member> = HashMap::new();
        for member in &members {
            if let Some(first) = seen.insert(member.key.as_str(), member) {
                return Err(Error::Structure {
                    side: self.side,
                    message: format!(
                        "{} is declared twice (lines {} and {})",
                        member.display,
                        self.line_of(first.node.start),
                        self.line_of(member.node.start)
                    ),
                });
            }
        }
        Ok(members)
    }

    fn line_of(&self, offset: usize) -> usize {
        self.text[..offset].matches('\n').count() + 1
    }

    /// Returns the end of the line after `pos` when only whitespace and
    /// comments follow on it (and the line ends before `limit`), else `pos`.
    fn line_end(&self, pos: usize, limit: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut i = pos;
        while i < limit {
            match bytes[i] {
                b' ' | b'\t' | b'\r' => i += 1,
                b'\n' => return i + 1,
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    return match self.text[i..limit].find('\n') {
                        Some(n) => i + n + 1,
                        None => pos,
                    };
                }
                b'/' if bytes.get(i + 1) == Some(&b'*') => {
                    match self.text[i + 2..limit].find("*/") {
                        Some(n) if !self.text[i..i + 2 + n].contains('\n') => i += n + 4,
                        _ => return pos,
                    }
                }
                _ => return pos,
            }
        }
        pos
    }

    fn node_text(&self, node: Node<'_>) -> &str {
        &self.text[node.byte_range()]
    }

    /// Returns a type's text without whitespace (`Map<String,Integer>`).
    fn type_text(&self, node: Option<Node<'_>>) -> String {
        node.map(|n| self.node_text(n).split_whitespace().collect::<String>())
            .unwrap_or_default()
    }

    fn param_types(&self, node: Node<'_>) -> Vec<String> {
        let Some(params) = node.child_by_field_name("parameters") else {
            return Vec::new();
        };
        let mut cursor = params.walk();
        params
            .named_children(&mut cursor)
            .filter(|p| p.kind() == "formal_parameter")
            .map(|p| self.type_text(p.child_by_field_name("type")))
            .collect()
    }

    fn name(&self, node: Node<'_>) -> String {
        node.child_by_field_name("name")
            .map(|n| self.node_text(n).to_string())
            .unwrap_or_default()
    }

    fn member(
        &self,
        node: Node<'_>,
        nested: bool,
        ordinals: &mut HashMap<Kind, usize>,
    ) -> Result<Member, Error> {
        let kind = match node.kind() {
            "class_declaration" => Kind::Class,
            "interface_declaration" => Kind::Interface,
            "enum_declaration" => Kind::Enum,
            "trigger_declaration" => Kind::Trigger,
            "method_declaration" => Kind::Method,
            "constructor_declaration" => Kind::Constructor,
            "field_declaration" | "constant_declaration" => {
                if has_child(node, "accessor_list") {
                    Kind::Property
                } else {
                    Kind::Field
                }
            }
            "enum_constant" => Kind::EnumConstant,
            "block" => Kind::Initializer,
            "static_initializer" => Kind::StaticInitializer,
            other => {
                return Err(Error::Structure {
                    side: self.side,
                    message: format!("unexpected `{other}` in a declaration body"),
                })
            }
        };
        let mut body_start = None;
        let mut value = None;
        let (key, display) = match kind {
            Kind::Method | Kind::Constructor => {
                let name = self.name(node);
                let types = self.param_types(node);
                body_start = node.child_by_field_name("body").map(|b| b.start_byte());
                let display = if kind == Kind::Method {
                    format!("method {name}({})", types.join(", "))
                } else {
                    format!("constructor {name}({})", types.join(", "))
                };
                let key = if kind == Kind::Method {
                    format!("method {name}({})", types.join(","))
                } else {
                    format!("constructor({})", types.join(","))
                };
                (key.to_lowercase(), display)
            }
            Kind::Field | Kind::Property => {
                let mut cursor = node.walk();
                let declarators: Vec<Node<'_>> = node
                    .children_by_field_name("declarator", &mut cursor)
                    .collect();
                let names: Vec<String> = declarators.iter().map(|d| self.name(*d)).collect();
                if let [single] = declarators.as_slice() {
                    value = single.child_by_field_name("value").map(|v| v.byte_range());
                }
                let word = kind.word(true);
                (
                    format!("{word} {}", names.join(",")).to_lowercase(),
                    format!("{word} {}", names.join(", ")),
                )
            }
            Kind::Initializer | Kind::StaticInitializer => {
                let n = ordinals.entry(kind).or_insert(0);
                *n += 1;
                body_start = Some(node.start_byte());
                let word = kind.word(true);
                (format!("{word} #{n}"), format!("{word} #{n}"))
            }
            Kind::EnumConstant => {
                let name = self.name(node);
                (
                    format!("enum constant {}", name.to_lowercase()),
                    format!("enum constant {name}"),
                )
            }
            Kind::Class | Kind::Interface | Kind::Enum | Kind::Trigger => {
                let name = self.name(node);
                // Nested or not, the identity is the same; the display word
                // is fixed by the caller for the top level.
                let base_word = match kind {
                    Kind::Class => "class",
                    Kind::Interface => "interface",
                    Kind::Enum => "enum",
                    _ => "trigger",
                };
                (
                    format!("{base_word} {}", name.to_lowercase()),
                    format!("{} {name}", kind.word(nested)),
                )
            }
        };
        let body = match kind {
            Kind::Class | Kind::Interface | Kind::Enum | Kind::Trigger => {
                Some(self.container(node, kind)?)
            }
            _ => None,
        };
        Ok(Member {
            key,
            display,
            kind,
            lead: 0..0,
            text: node.byte_range(),
            node: node.byte_range(),
            body_start,
            value,
            body,
        })
    }

    fn container(&self, node: Node<'_>, kind: Kind) -> Result<Container, Error> {
        let structure = |message: &str| Error::Structure {
            side: self.side,
            message: format!(
                "{message} in the declaration at line {}",
                node.start_position().row + 1
            ),
        };
        let body = node
            .child_by_field_name("body")
            .ok_or_else(|| structure("no body"))?;
        // A trigger's body is a block of statements: one unit, no members.
        let braces = if kind == Kind::Trigger {
            body.named_child(0).ok_or_else(|| structure("no block"))?
        } else {
            body
        };
        let open = braces
            .child(0)
            .filter(|c| c.kind() == "{")
            .ok_or_else(|| structure("no opening brace"))?;
        let close = braces
            .child(braces.child_count().saturating_sub(1))
            .filter(|c| c.kind() == "}")
            .ok_or_else(|| structure("no closing brace"))?;
        let members_nodes: Vec<Node<'_>> = if kind == Kind::Trigger {
            Vec::new()
        } else {
            let mut cursor = body.walk();
            body.named_children(&mut cursor)
                .filter(|c| !is_comment(c.kind()))
                .collect()
        };
        let head_end = self.line_end(open.end_byte(), close.start_byte());
        let members = self.members(
            body,
            &members_nodes,
            head_end,
            close.start_byte(),
            kind == Kind::Enum,
            false,
        )?;
        let tail_start = members.last().map_or(head_end, |m| m.text.end);
        Ok(Container {
            head: node.start_byte()..head_end,
            members,
            tail: tail_start..node.end_byte(),
            header: self.header(node, kind),
        })
    }

    fn header(&self, node: Node<'_>, kind: Kind) -> Header {
        let mut header = Header::default();
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            match child.kind() {
                "modifiers" => {
                    let mut inner = child.walk();
                    for m in child.named_children(&mut inner) {
                        let text = self.node_text(m).split_whitespace().collect::<Vec<_>>();
                        if m.kind() == "annotation" {
                            header.annotations.push(text.join(" "));
                        } else {
                            header.modifiers.push(text.join(" ").to_lowercase());
                        }
                    }
                }
                "superclass" | "extends_interfaces" => {
                    header.extends.extend(self.type_list(child));
                }
                "interfaces" => header.implements.extend(self.type_list(child)),
                _ => {}
            }
        }
        if kind == Kind::Trigger {
            header.trigger_object = node
                .child_by_field_name("object")
                .map(|o| self.node_text(o).to_string());
            let mut cursor = node.walk();
            header.trigger_events = node
                .children_by_field_name("events", &mut cursor)
                .filter(|e| e.is_named())
                .map(|e| {
                    self.node_text(e)
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .to_lowercase()
                })
                .collect();
        }
        header
    }

    /// Returns the types listed in an `extends`/`implements` clause.
    fn type_list(&self, clause: Node<'_>) -> Vec<String> {
        let mut cursor = clause.walk();
        let mut out = Vec::new();
        for child in clause.named_children(&mut cursor) {
            if child.kind() == "type_list" {
                let mut inner = child.walk();
                out.extend(
                    child
                        .named_children(&mut inner)
                        .filter(|t| !is_comment(t.kind()))
                        .map(|t| self.type_text(Some(t))),
                );
            } else if !is_comment(child.kind()) {
                out.push(self.type_text(Some(child)));
            }
        }
        out
    }
}

fn has_child(node: Node<'_>, kind: &str) -> bool {
    let mut cursor = node.walk();
    let found = node.children(&mut cursor).any(|c| c.kind() == kind);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVOICE: &str = "/**\n * Invoices.\n */\npublic with sharing class Invoice implements Schedulable {\n    public static final Integer MAX_RETRIES = 3;\n\n    /** Sums lines. */\n    @TestVisible\n    private Decimal calculate(Decimal amount, Integer qty) {\n        return amount * qty; // simple\n    }\n    public Invoice(String name) { }\n    public String Name { get; set; }\n    static { init(); }\n    {\n        count = 0;\n    }\n    public class Builder {\n        public Builder add() { return this; }\n    }\n    public enum Status { OPEN, PAID }\n}\n";

    #[test]
    fn members_have_case_insensitive_identities_and_names() {
        let file = File::parse("ours", INVOICE.as_bytes()).expect("parses");
        let body = file.decl.body.as_ref().expect("class body");
        let keys: Vec<&str> = body.members.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "field max_retries",
                "method calculate(decimal,integer)",
                "constructor(string)",
                "property name",
                "static initializer #1",
                "initializer #1",
                "class builder",
                "enum status"
            ]
        );
        assert_eq!(
            body.members[1].display,
            "method calculate(Decimal, Integer)"
        );
        assert_eq!(body.members[6].display, "inner class Builder");
        assert_eq!(file.decl.display, "class Invoice");
        assert_eq!(body.header.implements, ["Schedulable"]);
        assert_eq!(body.header.modifiers, ["public", "with sharing"]);
    }

    #[test]
    fn regions_tile_the_file_and_members_own_their_comments() {
        let file = File::parse("ours", INVOICE.as_bytes()).expect("parses");
        let body = file.decl.body.as_ref().expect("class body");
        let mut rebuilt = String::new();
        rebuilt.push_str(file.slice(&file.decl.lead));
        rebuilt.push_str(file.slice(&body.head));
        for m in &body.members {
            rebuilt.push_str(file.slice(&m.lead));
            rebuilt.push_str(file.slice(&m.text));
        }
        rebuilt.push_str(file.slice(&body.tail));
        rebuilt.push_str(file.slice(&file.suffix));
        assert_eq!(rebuilt, INVOICE);
        assert!(file.slice(&body.head).starts_with("/**\n * Invoices."));
        let calculate = file.slice(&body.members[1].text);
        assert!(calculate.starts_with("    /** Sums lines. */\n    @TestVisible\n"));
        assert!(calculate.ends_with("    }\n"));
        assert_eq!(file.slice(&body.members[1].lead), "\n");
    }

    #[test]
    fn parse_errors_carry_line_and_column() {
        let err = File::parse("theirs", b"public class A {\n    void f() { x = ; }\n}\n")
            .expect_err("broken");
        use miette::Diagnostic;
        assert_eq!(
            err.code().map(|c| c.to_string()).as_deref(),
            Some("sfsync::apex::parse")
        );
        let span = err
            .labels()
            .and_then(|mut labels| labels.next())
            .expect("a labelled span");
        assert_eq!(span.offset(), "public class A {\n    void f() { x ".len());
        match err {
            Error::Parse { line, column, .. } => assert_eq!((line, column), (2, 18)),
            other => panic!("expected a parse error, got {other:?}"),
        }
    }

    #[test]
    fn duplicate_members_are_refused() {
        let err = File::parse("ours", b"class A {\n void f() {}\n void F() {}\n}\n")
            .expect_err("duplicate");
        assert!(err.to_string().contains("declared twice"), "{err}");
    }
}
