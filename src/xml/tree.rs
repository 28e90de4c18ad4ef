//! The element tree: quick-xml events folded into nodes that only hold byte
//! offsets into the input.
//!
//! Nothing is copied or re-escaped: a node knows where its start tag, content and
//! end tag sit in the source, and the trivia before it (indentation, comments)
//! is the slice between its previous sibling and itself. Writing a node back is
//! copying its slice, which is what makes unchanged regions round-trip byte for
//! byte and keeps a 10 MB profile to one allocation per list of siblings.

use quick_xml::events::Event;
use quick_xml::Reader;

use super::Error;

/// One element of a parsed document, as offsets into [`Tree::src`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Node {
    /// Start of the trivia (whitespace, comments) between the previous sibling
    /// (or the parent's start tag) and this element.
    pub lead_start: u32,
    /// Offset of `<`.
    pub start: u32,
    /// Offset just after the start tag's `>`.
    pub start_end: u32,
    /// End of the element name inside the start tag.
    pub name_end: u32,
    /// Offset of `</`; equals `end` for a self-closing element.
    pub end_start: u32,
    /// Offset just after the element.
    pub end: u32,
    /// First child in [`Tree::nodes`].
    pub first_child: u32,
    /// Number of child elements.
    pub child_count: u32,
    /// Text that is not whitespace sits beside child elements (mixed content):
    /// such an element is treated as one opaque value.
    pub mixed: bool,
}

/// A parsed document borrowing its input.
#[derive(Debug)]
pub struct Tree<'a> {
    pub src: &'a str,
    /// Children of every element, siblings stored contiguously.
    pub nodes: Vec<Node>,
    pub root: Node,
}

struct Frame {
    start: usize,
    start_end: usize,
    name_end: usize,
    first_scratch: usize,
    last_end: usize,
    has_text: bool,
}

/// The UTF-8 byte order mark, which Salesforce never writes but editors may.
const BOM: &str = "\u{feff}";

impl<'a> Tree<'a> {
    /// Parses `bytes` (the `side` of a merge or diff, named in errors).
    pub fn parse(bytes: &'a [u8], side: &'static str) -> Result<Tree<'a>, Error> {
        let src = std::str::from_utf8(bytes).map_err(|e| Error::NotUtf8 {
            side,
            offset: e.valid_up_to(),
        })?;
        if u32::try_from(src.len()).is_err() {
            return Err(Error::TooLarge { side });
        }
        let bom = if src.starts_with(BOM) { BOM.len() } else { 0 };
        let mut reader = Reader::from_str(&src[bom..]);
        reader.config_mut().trim_text(false);
        reader.config_mut().check_end_names = true;

        let malformed = |message: String, at: usize| Error::malformed(side, src, at, message);
        let mut nodes: Vec<Node> = Vec::new();
        let mut scratch: Vec<Node> = Vec::new();
        let mut stack: Vec<Frame> = Vec::new();
        let mut root: Option<Node> = None;
        loop {
            let before = bom + usize::try_from(reader.buffer_position()).unwrap_or(0);
            let event = match reader.read_event() {
                Ok(event) => event,
                Err(e) => {
                    let at = bom + usize::try_from(reader.error_position()).unwrap_or(0);
                    return Err(malformed(e.to_string(), at));
                }
            };
            let after = bom + usize::try_from(reader.buffer_position()).unwrap_or(0);
            match event {
                Event::Start(e) => {
                    if stack.is_empty() && root.is_some() {
                        return Err(malformed("a second root element".into(), before));
                    }
                    stack.push(Frame {
                        start: before,
                        start_end: after,
                        name_end: before + 1 + e.name().as_ref().len(),
                        first_scratch: scratch.len(),
                        last_end: after,
                        has_text: false,
                    });
                }
                Event::Empty(e) => {
                    let lead_start = match stack.last() {
                        Some(frame) => frame.last_end,
                        None if root.is_some() => {
                            return Err(malformed("a second root element".into(), before));
                        }
                        None => before,
                    };
                    let node = Node {
                        lead_start: lead_start as u32,
                        start: before as u32,
                        start_end: after as u32,
                        name_end: (before + 1 + e.name().as_ref().len()) as u32,
                        end_start: after as u32,
                        end: after as u32,
                        first_child: 0,
                        child_count: 0,
                        mixed: false,
                    };
                    match stack.last_mut() {
                        Some(frame) => {
                            frame.last_end = after;
                            scratch.push(node);
                        }
                        None => root = Some(node),
                    }
                }
                Event::End(_) => {
                    let frame = stack.pop().ok_or_else(|| {
                        malformed("an end tag without a start tag".into(), before)
                    })?;
                    let first_child = nodes.len() as u32;
                    let child_count = (scratch.len() - frame.first_scratch) as u32;
                    nodes.extend(scratch.drain(frame.first_scratch..));
                    let parent_last_end = stack.last().map(|p| p.last_end);
                    let node = Node {
                        lead_start: parent_last_end.unwrap_or(frame.start) as u32,
                        start: frame.start as u32,
                        start_end: frame.start_end as u32,
                        name_end: frame.name_end as u32,
                        end_start: before as u32,
                        end: after as u32,
                        first_child,
                        child_count,
                        mixed: frame.has_text && child_count > 0,
                    };
                    match stack.last_mut() {
                        Some(parent) => {
                            parent.last_end = after;
                            scratch.push(node);
                        }
                        None => root = Some(node),
                    }
                }
                Event::Text(t) => match stack.last_mut() {
                    Some(frame) => {
                        if !t.iter().all(u8::is_ascii_whitespace) {
                            frame.has_text = true;
                        }
                    }
                    None => {
                        if !t.iter().all(u8::is_ascii_whitespace) {
                            return Err(malformed("text outside the root element".into(), before));
                        }
                    }
                },
                Event::CData(_) | Event::GeneralRef(_) => match stack.last_mut() {
                    Some(frame) => frame.has_text = true,
                    None => {
                        return Err(malformed("text outside the root element".into(), before));
                    }
                },
                Event::Decl(d) => {
                    if let Some(Ok(encoding)) = d.encoding() {
                        let encoding = String::from_utf8_lossy(&encoding).into_owned();
                        if !encoding.eq_ignore_ascii_case("utf-8")
                            && !encoding.eq_ignore_ascii_case("utf8")
                        {
                            return Err(Error::Encoding { side, encoding });
                        }
                    }
                }
                Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
                Event::Eof => break,
            }
        }
        if let Some(frame) = stack.last() {
            return Err(malformed(
                "an element is not closed before the end of the file".into(),
                frame.start,
            ));
        }
        let root = root.ok_or_else(|| malformed("no root element".into(), src.len()))?;
        Ok(Tree { src, nodes, root })
    }

    /// Returns the element name.
    pub fn name(&self, n: &Node) -> &'a str {
        &self.src[n.start as usize + 1..n.name_end as usize]
    }

    /// Returns the element from `<` to the end of its end tag.
    pub fn raw(&self, n: &Node) -> &'a str {
        &self.src[n.start as usize..n.end as usize]
    }

    /// Returns the element with the trivia that precedes it.
    pub fn with_lead(&self, n: &Node) -> &'a str {
        &self.src[n.lead_start as usize..n.end as usize]
    }

    /// Returns the trivia before the element.
    pub fn lead(&self, n: &Node) -> &'a str {
        &self.src[n.lead_start as usize..n.start as usize]
    }

    /// Returns the start tag (for a self-closing element, the whole element).
    pub fn start_tag(&self, n: &Node) -> &'a str {
        &self.src[n.start as usize..n.start_end as usize]
    }

    /// Returns the end tag (empty for a self-closing element).
    pub fn end_tag(&self, n: &Node) -> &'a str {
        &self.src[n.end_start as usize..n.end as usize]
    }

    /// Returns the raw content between the tags: text, entities and CDATA as written.
    pub fn content(&self, n: &Node) -> &'a str {
        &self.src[n.start_end as usize..n.end_start as usize]
    }

    /// Returns the trivia between the last child and the end tag.
    pub fn trailing(&self, n: &Node) -> &'a str {
        match self.children(n).last() {
            Some(last) => &self.src[last.end as usize..n.end_start as usize],
            None => self.content(n),
        }
    }

    /// Returns the child elements.
    pub fn children(&self, n: &Node) -> &[Node] {
        let first = n.first_child as usize;
        &self.nodes[first..first + n.child_count as usize]
    }

    /// Returns true for an element merged and compared as one value: no child
    /// elements, or mixed content.
    pub fn is_leaf(&self, n: &Node) -> bool {
        n.child_count == 0 || n.mixed
    }

    /// Returns true for an element with neither child elements nor text: an
    /// empty container (`<labels>\n</labels>`) or a self-closing element.
    pub fn is_blank(&self, n: &Node) -> bool {
        n.child_count == 0 && self.content(n).bytes().all(|b| b.is_ascii_whitespace())
    }

    /// Returns true for a self-closing element (`<x/>`).
    pub fn is_self_closing(&self, n: &Node) -> bool {
        n.end_start == n.end
    }

    /// Returns everything before the root element (BOM, declaration, comments).
    pub fn prolog(&self) -> &'a str {
        &self.src[..self.root.start as usize]
    }

    /// Returns everything after the root element (normally one newline).
    pub fn epilog(&self) -> &'a str {
        &self.src[self.root.end as usize..]
    }

    /// Returns the raw text of the first child named `name`, or "" for an
    /// empty one; `None` when there is no such child. The name `.` means the
    /// element's own text (for sets of plain values).
    pub fn child_text(&self, n: &Node, name: &str) -> Option<&'a str> {
        if name == "." {
            return self.is_leaf(n).then(|| self.content(n));
        }
        self.children(n)
            .iter()
            .find(|c| self.name(c) == name)
            .map(|c| {
                if self.is_leaf(c) {
                    self.content(c)
                } else {
                    self.raw(c)
                }
            })
    }

    /// Returns the element's value as a person reads it: entities decoded and
    /// CDATA unwrapped.
    pub fn value(&self, n: &Node) -> String {
        decode(self.content(n))
    }
}

/// Decodes XML text content as written in a file: entity and character
/// references resolved, CDATA sections unwrapped. Anything unrecognised is
/// kept as written rather than failing, since this only feeds messages.
pub fn decode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find(['&', '<']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some(cdata) = rest.strip_prefix("<![CDATA[") {
            match cdata.find("]]>") {
                Some(end) => {
                    out.push_str(&cdata[..end]);
                    rest = &cdata[end + 3..];
                }
                None => {
                    out.push_str(rest);
                    rest = "";
                }
            }
            continue;
        }
        if rest.starts_with('<') {
            out.push('<');
            rest = &rest[1..];
            continue;
        }
        let Some(semi) = rest.find(';') else {
            out.push_str(rest);
            rest = "";
            continue;
        };
        let name = &rest[1..semi];
        let decoded = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "apos" => Some('\''),
            "quot" => Some('"'),
            _ => name
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROFILE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Profile xmlns="http://soap.sforce.com/2006/04/metadata">
    <!-- keep -->
    <fieldPermissions>
        <editable>true</editable>
        <field>Account.Industry</field>
    </fieldPermissions>
    <custom>false</custom>
    <description>Tom &amp; Jerry&apos;s &quot;x&quot; <![CDATA[<b>]]></description>
    <loginHours/>
</Profile>
"#;

    #[test]
    fn offsets_cover_the_input_exactly() {
        let tree = Tree::parse(PROFILE.as_bytes(), "ours").unwrap();
        assert_eq!(tree.name(&tree.root), "Profile");
        let kids = tree.children(&tree.root);
        assert_eq!(kids.len(), 4);
        assert_eq!(tree.lead(&kids[0]), "\n    <!-- keep -->\n    ");
        assert_eq!(tree.name(&kids[0]), "fieldPermissions");
        assert_eq!(tree.child_text(&kids[0], "field"), Some("Account.Industry"));
        assert_eq!(tree.raw(&kids[3]), "<loginHours/>");
        assert_eq!(tree.trailing(&tree.root), "\n");
        let rebuilt = format!("{}{}{}", tree.prolog(), tree.raw(&tree.root), tree.epilog());
        assert_eq!(rebuilt, PROFILE);
        let mut joined = String::from(tree.start_tag(&tree.root));
        for k in kids {
            joined.push_str(tree.with_lead(k));
        }
        joined.push_str(tree.trailing(&tree.root));
        joined.push_str(tree.end_tag(&tree.root));
        assert_eq!(joined, tree.raw(&tree.root));
    }

    #[test]
    fn values_are_decoded_for_people() {
        let tree = Tree::parse(PROFILE.as_bytes(), "ours").unwrap();
        let description = &tree.children(&tree.root)[2];
        assert_eq!(tree.value(description), "Tom & Jerry's \"x\" <b>");
    }

    #[test]
    fn malformed_input_is_an_error_with_a_position() {
        let err = Tree::parse(b"<a><b></a>", "theirs").unwrap_err();
        assert!(
            matches!(&err, Error::Malformed(m) if m.side == "theirs"),
            "{err}"
        );
        assert!(Tree::parse(b"<a>", "ours").is_err());
        assert!(Tree::parse(b"", "ours").is_err());
        assert!(Tree::parse(b"<a/><b/>", "ours").is_err());
    }

    #[test]
    fn other_encodings_and_invalid_utf8_are_refused() {
        let latin = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<a/>\n";
        assert!(matches!(
            Tree::parse(latin, "base"),
            Err(Error::Encoding { .. })
        ));
        assert!(matches!(
            Tree::parse(b"<a>\xff</a>", "base"),
            Err(Error::NotUtf8 { offset: 3, .. })
        ));
    }

    #[test]
    fn a_byte_order_mark_is_kept_in_the_prolog() {
        let src = "\u{feff}<a>\n    <b>1</b>\n</a>\n";
        let tree = Tree::parse(src.as_bytes(), "ours").unwrap();
        assert_eq!(tree.prolog(), "\u{feff}");
        assert_eq!(tree.raw(&tree.root), "<a>\n    <b>1</b>\n</a>");
    }
}
