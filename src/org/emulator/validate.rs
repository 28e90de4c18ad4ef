//! What the emulated org refuses on deploy: XML that does not parse and Apex
//! that does not compile (approximated by "does not parse"), reported with the
//! line and column a real org's compiler would give.

use crate::org::soap;

/// A problem in one file, at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: i64,
    pub column: i64,
    pub message: String,
}

/// Returns the first problem of a deployed file, judged by its metadata-format path.
pub fn check(path: &str, content: &[u8]) -> Option<Problem> {
    if path.ends_with(".cls") || path.ends_with(".trigger") {
        return check_apex(content);
    }
    if looks_like_xml(path, content) {
        return check_xml(content);
    }
    None
}

fn looks_like_xml(path: &str, content: &[u8]) -> bool {
    path.ends_with(".xml")
        || content
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|&b| b == b'<')
            && !path.ends_with(".html")
            && !path.ends_with(".page")
            && !path.ends_with(".component")
            && !path.ends_with(".cmp")
            && !path.ends_with(".svg")
            && !path.ends_with(".email")
}

/// Converts a byte offset to a 1-based line and column.
fn line_column(text: &[u8], offset: usize) -> (i64, i64) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line as i64, column as i64)
}

fn check_xml(content: &[u8]) -> Option<Problem> {
    let error = soap::parse(content).err()?;
    let (line, column) = line_column(content, error.position.unwrap_or(0) as usize);
    Some(Problem {
        line,
        column,
        message: format!("Error parsing file: {}", error.message),
    })
}

fn check_apex(content: &[u8]) -> Option<Problem> {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_sfapex::apex::LANGUAGE.into())
        .expect("the bundled Apex grammar matches the tree-sitter version");
    let Some(tree) = parser.parse(content, None) else {
        return Some(Problem {
            line: 1,
            column: 1,
            message: "Unable to parse the class".to_string(),
        });
    };
    if !tree.root_node().has_error() {
        return None;
    }
    let node = first_error(tree.root_node())?;
    let start = node.start_position();
    let message = if node.is_missing() {
        format!(
            "Missing '{}' at '{}'",
            node.kind(),
            token_at(content, node.start_byte())
        )
    } else {
        format!(
            "Unexpected token '{}'.",
            token_at(content, node.start_byte())
        )
    };
    let line_text = content
        .split(|&b| b == b'\n')
        .nth(start.row)
        .unwrap_or_default();
    let column = String::from_utf8_lossy(&line_text[..start.column.min(line_text.len())])
        .chars()
        .count()
        + 1;
    Some(Problem {
        line: start.row as i64 + 1,
        column: column as i64,
        message,
    })
}

/// Returns the first ERROR or MISSING node in document order.
fn first_error(root: tree_sitter::Node<'_>) -> Option<tree_sitter::Node<'_>> {
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if node.is_error() || node.is_missing() {
            return Some(node);
        }
        if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return None;
            }
        }
    }
}

/// Returns the token starting at `offset`: a word or one punctuation character.
fn token_at(content: &[u8], offset: usize) -> String {
    let rest = String::from_utf8_lossy(&content[offset.min(content.len())..]).into_owned();
    let rest = rest.trim_start();
    let word: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if word.is_empty() {
        rest.chars()
            .next()
            .map(String::from)
            .unwrap_or_else(|| "<EOF>".to_string())
    } else {
        word
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apex_that_does_not_parse_has_a_position() {
        let good = b"public class A {\n    public void m() { Integer x = 1; }\n}\n";
        assert_eq!(check("classes/A.cls", good), None);
        let bad = b"public class A {\n    public void m() {\n        Integer x = ;\n    }\n}\n";
        let problem = check("classes/A.cls", bad).expect("a problem");
        assert_eq!(problem.line, 3, "{problem:?}");
        assert!(problem.column > 1, "{problem:?}");
    }

    #[test]
    fn malformed_xml_has_a_position() {
        let bad = b"<?xml version=\"1.0\"?>\n<Layout>\n  <a></b>\n</Layout>\n";
        let problem = check("layouts/X.layout", bad).expect("a problem");
        assert_eq!(problem.line, 3, "{problem:?}");
        assert_eq!(check("layouts/X.layout", b"<Layout><a/></Layout>"), None);
    }
}
