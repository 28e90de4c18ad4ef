//! Byte-preserving surgery on metadata XML files: finding the root's child
//! elements, cutting them out and splicing them in, re-indented the way SDR
//! writes them (4 spaces per level), without re-serialising anything else.
//!
//! Working on byte ranges instead of a parsed tree is what makes the round
//! trip exact: entities, empty elements and comments stay as they were.

use super::Error;
use quick_xml::events::Event;
use quick_xml::Reader;
use std::ops::Range;

/// The XML declaration SDR writes at the top of every file it builds.
pub const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// One element directly under the root.
#[derive(Debug)]
pub struct TopElement {
    /// Tag name (`fields`).
    pub name: String,
    /// Whole lines the element occupies: leading indentation to trailing newline.
    pub lines: Range<usize>,
    /// Bytes between the start and end tags (empty for `<x/>`).
    pub inner: Range<usize>,
    /// Text of the simple grandchildren (`fullName` -> `Email__c`), unescaped, first occurrence.
    pub keys: Vec<(String, String)>,
}

impl TopElement {
    /// Returns the unescaped text of the grandchild `name`, if present.
    pub fn key(&self, name: &str) -> Option<&str> {
        self.keys
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A parsed metadata file: where its root and top-level elements are.
#[derive(Debug)]
pub struct XmlFile {
    pub root_name: String,
    /// Where the root's content starts (just after the root start tag), or
    /// `None` when the root is empty (`<CustomObject/>`).
    pub content_start: Option<usize>,
    /// Start of the line holding the root's end tag (or of the empty root tag).
    pub close_line: usize,
    pub elements: Vec<TopElement>,
}

/// Parses the structure of `bytes`; `path` names the file in errors.
pub fn parse(path: &str, bytes: &[u8]) -> Result<XmlFile, Error> {
    let malformed = |message: String| Error::MalformedXml {
        path: path.to_string(),
        message,
    };
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    let mut depth = 0usize;
    let mut root_name: Option<String> = None;
    let mut content_start = None;
    let mut close_line = None;
    let mut elements: Vec<TopElement> = Vec::new();
    let mut open_top: Option<(String, usize, usize)> = None;
    let mut open_key: Option<(String, usize)> = None;
    let mut keys: Vec<(String, String)> = Vec::new();
    loop {
        let before = reader.buffer_position() as usize;
        let event = reader
            .read_event()
            .map_err(|e| malformed(format!("{e} (at byte {})", reader.error_position())))?;
        let after = reader.buffer_position() as usize;
        match event {
            Event::Start(start) => {
                let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                match depth {
                    0 => {
                        if root_name.is_some() {
                            return Err(malformed("more than one root element".into()));
                        }
                        root_name = Some(name);
                        content_start = Some(after);
                    }
                    1 => {
                        open_top = Some((name, before, after));
                        keys.clear();
                    }
                    2 => open_key = Some((name, after)),
                    _ => {}
                }
                depth += 1;
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                match depth {
                    0 => close_line = Some(line_start(bytes, before)),
                    1 => {
                        let (name, start, inner_start) =
                            open_top.take().expect("an end at depth 1 follows a start");
                        elements.push(TopElement {
                            name,
                            lines: line_start(bytes, start)..line_end(bytes, after),
                            inner: inner_start..before,
                            keys: std::mem::take(&mut keys),
                        });
                    }
                    2 => {
                        if let Some((name, start)) = open_key.take() {
                            if !keys.iter().any(|(k, _)| *k == name) {
                                let raw = String::from_utf8_lossy(&bytes[start..before]);
                                if !raw.contains('<') {
                                    let text = quick_xml::escape::unescape(&raw)
                                        .map(|t| t.into_owned())
                                        .unwrap_or_else(|_| raw.into_owned());
                                    keys.push((name, text));
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            Event::Empty(empty) => {
                let name = String::from_utf8_lossy(empty.name().as_ref()).into_owned();
                match depth {
                    0 => {
                        if root_name.is_some() {
                            return Err(malformed("more than one root element".into()));
                        }
                        root_name = Some(name);
                        close_line = Some(line_start(bytes, before));
                    }
                    1 => elements.push(TopElement {
                        name,
                        lines: line_start(bytes, before)..line_end(bytes, after),
                        inner: after..after,
                        keys: Vec::new(),
                    }),
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let root_name = root_name.ok_or_else(|| malformed("no root element".into()))?;
    let close_line =
        close_line.ok_or_else(|| malformed(format!("<{root_name}> is never closed")))?;
    Ok(XmlFile {
        root_name,
        content_start,
        close_line,
        elements,
    })
}

/// Returns the start of the line holding `pos` if only indentation precedes it there.
fn line_start(bytes: &[u8], pos: usize) -> usize {
    let mut i = pos;
    while i > 0 && matches!(bytes[i - 1], b' ' | b'\t') {
        i -= 1;
    }
    if i == 0 || bytes[i - 1] == b'\n' {
        i
    } else {
        pos
    }
}

/// Returns the position after the newline that ends the line at `pos`, if only
/// whitespace follows there.
fn line_end(bytes: &[u8], pos: usize) -> usize {
    let mut i = pos;
    while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\r') {
        i += 1;
    }
    if i < bytes.len() && bytes[i] == b'\n' {
        i + 1
    } else {
        pos
    }
}

/// Shifts the indentation of the element lines in `content` by `delta` levels of
/// 4 spaces, leaving lines that continue a text value alone.
///
/// A line is markup when it starts (after indentation) with `<` and the line
/// before it ended with `>`: a multi-line text value keeps its own spacing.
pub fn reindent(content: &str, delta: isize) -> String {
    let mut out = String::with_capacity(content.len() + 64);
    let mut previous_ended_markup = true;
    for line in content.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim_start_matches(' ');
        let is_markup = previous_ended_markup && trimmed.starts_with('<');
        if is_markup {
            let indent = body.len() - trimmed.len();
            let new_indent = (indent as isize + 4 * delta).max(0) as usize;
            out.extend(std::iter::repeat_n(' ', new_indent));
            out.push_str(&line[indent..]);
        } else {
            out.push_str(line);
        }
        if !body.trim().is_empty() {
            previous_ended_markup = body.trim_end().ends_with('>');
        }
    }
    out
}

/// Returns an element's content as whole lines: the newline after the start tag and
/// the indentation before the end tag removed (`"\n        <a>1</a>\n    "` -> `"        <a>1</a>\n"`).
pub fn inner_lines(bytes: &[u8], inner: Range<usize>) -> String {
    let text = String::from_utf8_lossy(&bytes[inner]);
    let text = text
        .strip_prefix("\r\n")
        .or_else(|| text.strip_prefix('\n'))
        .unwrap_or(&text);
    match text.rfind('\n') {
        Some(i) if text[i + 1..].trim().is_empty() => text[..=i].to_string(),
        _ if text.trim().is_empty() => String::new(),
        // A single-line value (`<fields>x</fields>`): keep it as one line.
        _ => format!("{text}\n"),
    }
}

/// Builds a file whose root `root` holds `body` (already indented for depth 1).
pub fn document(root: &str, body: &str) -> String {
    format!(
        "{DECLARATION}<{root} xmlns=\"{}\">\n{body}</{root}>\n",
        crate::metadata::METADATA_NS
    )
}

/// Compares names as SDR's recomposition sorts children (JavaScript's
/// `localeCompare`): punctuation before digits before letters, letters case-blind
/// first, so `Picture__c` sorts before `Picture_IMG__c`.
pub fn locale_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn key(c: char) -> (u8, char) {
        if c.is_alphabetic() {
            (2, c.to_lowercase().next().unwrap_or(c))
        } else if c.is_numeric() {
            (1, c)
        } else {
            (0, c)
        }
    }
    let primary = a.chars().map(key).cmp(b.chars().map(key));
    // ICU puts lower case first when letters are otherwise equal.
    primary.then_with(|| {
        let flip = |c: char| {
            if c.is_uppercase() {
                (1, c)
            } else {
                (0, c)
            }
        };
        a.chars().map(flip).cmp(b.chars().map(flip))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OBJECT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata">
    <label>Broker</label>
    <searchLayouts></searchLayouts>
    <fields>
        <fullName>Email__c</fullName>
        <formula>IMAGE( Picture__c , &quot;x&quot;)</formula>
    </fields>
    <empty/>
</CustomObject>
"#;

    #[test]
    fn finds_top_elements_their_lines_and_keys() {
        let file = parse("o", OBJECT.as_bytes()).expect("parses");
        assert_eq!(file.root_name, "CustomObject");
        let names: Vec<&str> = file.elements.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["label", "searchLayouts", "fields", "empty"]);
        let fields = &file.elements[2];
        assert_eq!(fields.key("fullName"), Some("Email__c"));
        assert!(OBJECT[fields.lines.clone()].starts_with("    <fields>\n"));
        assert!(OBJECT[fields.lines.clone()].ends_with("    </fields>\n"));
        assert!(OBJECT[file.close_line..].starts_with("</CustomObject>"));
        assert_eq!(
            inner_lines(OBJECT.as_bytes(), fields.inner.clone()),
            "        <fullName>Email__c</fullName>\n        <formula>IMAGE( Picture__c , &quot;x&quot;)</formula>\n"
        );
    }

    #[test]
    fn malformed_xml_is_an_error_naming_the_file() {
        let err = parse("objects/A.object", b"<A><b></A>").expect_err("mismatched");
        assert!(err.to_string().contains("objects/A.object"), "{err}");
        assert!(parse("x", b"   ").is_err());
    }

    #[test]
    fn reindent_leaves_multiline_text_alone() {
        let text = "    <a>\n        <b>line one\n  line two</b>\n    </a>\n";
        assert_eq!(
            reindent(text, -1),
            "<a>\n    <b>line one\n  line two</b>\n</a>\n"
        );
        assert_eq!(reindent(&reindent(text, -1), 1), text);
    }

    #[test]
    fn locale_order_puts_punctuation_first_and_ignores_case() {
        let mut names = vec!["Picture_IMG__c", "Picture__c", "beta", "Alpha", "a1", "a_"];
        names.sort_by(|a, b| locale_cmp(a, b));
        assert_eq!(
            names,
            ["a_", "a1", "Alpha", "beta", "Picture__c", "Picture_IMG__c"]
        );
    }
}
