//! Shrinking large merges to what changed before anything is parsed.
//!
//! A full tree-sitter parse of a 20,000-line class costs several times what
//! `git merge-file` needs for the whole merge, and most of such a class is the
//! same in all three versions. So before parsing, runs of whole members that
//! neither side touched (found with the same line diffs git uses, and with a
//! small lexer that knows where members end) are replaced in all three texts by
//! one placeholder declaration each. The engine then parses and merges the
//! small texts, and the placeholders are swapped back for the original lines.
//!
//! The placeholders are ordinary members that are identical on all sides, so
//! the merge copies them through untouched; a run is only replaced where the
//! lexer proves it starts and ends between members of the top-level body. When
//! anything about the reduced merge looks wrong (a placeholder missing, a
//! parse error), the caller merges the full texts instead.

use imara_diff::{Algorithm, Diff, InternedInput};
use std::ops::Range;

/// Marks a placeholder; no input may contain it.
const PLACEHOLDER: &str = "__sfsync_keep_";

/// Regions smaller than this are not worth a placeholder.
const MIN_LINES: usize = 8;

/// The three texts with their untouched runs replaced, and what to put back.
pub(crate) struct Reduced {
    pub base: String,
    pub ours: String,
    pub theirs: String,
    /// The original text of each placeholder, in order.
    originals: Vec<String>,
}

impl Reduced {
    /// Returns the merged text with every placeholder replaced by its original
    /// lines, or `None` when a placeholder is missing or out of order.
    pub(crate) fn expand(&self, merged: &str) -> Option<String> {
        let extra: usize = self.originals.iter().map(String::len).sum();
        let mut out = String::with_capacity(merged.len() + extra);
        let mut at = 0;
        for (n, original) in self.originals.iter().enumerate() {
            let line = placeholder(n);
            let found = at + merged[at..].find(&line)?;
            if found > 0 && !merged[..found].ends_with('\n') {
                return None;
            }
            out.push_str(&merged[at..found]);
            out.push_str(original);
            at = found + line.len();
        }
        if merged[at..].contains(PLACEHOLDER) {
            return None;
        }
        out.push_str(&merged[at..]);
        Some(out)
    }
}

fn placeholder(n: usize) -> String {
    format!("void {PLACEHOLDER}{n}();\n")
}

/// Returns the reduced texts, or `None` when nothing is worth reducing or the
/// lexer cannot vouch for the member boundaries.
pub(crate) fn reduce(base: &str, ours: &str, theirs: &str) -> Option<Reduced> {
    if [base, ours, theirs].iter().any(|t| t.contains(PLACEHOLDER)) {
        return None;
    }
    let base_lines = line_starts(base);
    let line_count = base_lines.len() - 1;
    if line_count < 2 * MIN_LINES {
        return None;
    }
    let cuts = member_boundaries(base)?;
    let ours_diff = hunks(base, ours);
    let theirs_diff = hunks(base, theirs);
    // Lines either side changed, and boundaries where either side inserted.
    let mut touched = vec![false; line_count];
    let mut inserted = vec![false; line_count + 1];
    for hunk in ours_diff.iter().chain(&theirs_diff) {
        if hunk.before.is_empty() {
            inserted[hunk.before.start] = true;
        }
        for flag in &mut touched[hunk.before.clone()] {
            *flag = true;
        }
    }
    let clean = |from: usize, to: usize| {
        !touched[from..to].iter().any(|&t| t) && !inserted[from + 1..to].iter().any(|&i| i)
    };
    let mut regions: Vec<Range<usize>> = Vec::new();
    let mut start: Option<usize> = None;
    for pair in cuts.windows(2) {
        let (from, to) = (pair[0], pair[1]);
        if clean(from, to) {
            start.get_or_insert(from);
        } else if let Some(s) = start.take() {
            regions.push(s..from);
        }
    }
    if let (Some(s), Some(&last)) = (start, cuts.last()) {
        regions.push(s..last);
    }
    regions.retain(|r| r.len() >= MIN_LINES);
    if regions.is_empty() {
        return None;
    }
    let originals: Vec<String> = regions
        .iter()
        .map(|r| base[base_lines[r.start]..base_lines[r.end]].to_string())
        .collect();
    let side = |text: &str, diff: &[Hunk]| -> Option<String> {
        let starts = line_starts(text);
        let mut out = String::with_capacity(text.len() / 4);
        let mut at = 0;
        for (n, region) in regions.iter().enumerate() {
            let shift: isize = diff
                .iter()
                .filter(|h| h.before.end <= region.start)
                .map(|h| h.after.len() as isize - h.before.len() as isize)
                .sum();
            let from = region.start.checked_add_signed(shift)?;
            let to = region.end.checked_add_signed(shift)?;
            let (from, to) = (*starts.get(from)?, *starts.get(to)?);
            if text.get(from..to)? != originals[n] {
                return None;
            }
            out.push_str(&text[at..from]);
            out.push_str(&placeholder(n));
            at = to;
        }
        out.push_str(&text[at..]);
        Some(out)
    };
    Some(Reduced {
        base: side(base, &[])?,
        ours: side(ours, &ours_diff)?,
        theirs: side(theirs, &theirs_diff)?,
        originals,
    })
}

struct Hunk {
    before: Range<usize>,
    after: Range<usize>,
}

fn hunks(before: &str, after: &str) -> Vec<Hunk> {
    let input = InternedInput::new(before, after);
    Diff::compute(Algorithm::Histogram, &input)
        .hunks()
        .map(|h| Hunk {
            before: h.before.start as usize..h.before.end as usize,
            after: h.after.start as usize..h.after.end as usize,
        })
        .collect()
}

/// Returns the byte offset of every line start, plus the text's length.
fn line_starts(text: &str) -> Vec<usize> {
    let mut starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    if starts.last() != Some(&text.len()) {
        starts.push(text.len());
    }
    starts
}

/// Returns the line indices at which the lead of a member of the top-level
/// body may start: the line begins at brace depth 1 outside any comment, and
/// the line before it ends with `;`, `{` or `}` (the end of the previous
/// member's text, or of the header). `None` when
/// the text uses syntax the lexer does not follow (multi-line strings,
/// unbalanced braces).
fn member_boundaries(text: &str) -> Option<Vec<usize>> {
    let bytes = text.as_bytes();
    let mut cuts = Vec::new();
    let mut depth: i64 = 0;
    let mut in_comment = false;
    // Whether the code so far ends a member, and whether only blank lines
    // followed it.
    let mut terminated = false;
    let mut line = 0;
    let mut line_has_code = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_comment {
            if b == b'*' && bytes.get(i + 1) == Some(&b'/') {
                in_comment = false;
                i += 2;
                continue;
            }
            if b == b'\n' {
                line += 1;
                line_has_code = false;
            }
            i += 1;
            continue;
        }
        match b {
            b'\n' => {
                // A blank line is the next member's lead: no cut after it,
                // so that runs start and end exactly where the engine's
                // members do.
                if !line_has_code {
                    terminated = false;
                }
                line += 1;
                line_has_code = false;
                if depth == 1 && terminated {
                    cuts.push(line);
                }
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {}
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                in_comment = true;
                i += 2;
                continue;
            }
            b'\'' => {
                if bytes.get(i + 1..i + 3) == Some(b"''") {
                    return None;
                }
                i += 1;
                loop {
                    match bytes.get(i)? {
                        b'\\' => i += 2,
                        b'\'' => break,
                        b'\n' => return None,
                        _ => i += 1,
                    }
                }
                line_has_code = true;
                terminated = false;
            }
            _ => {
                line_has_code = true;
                match b {
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        if depth < 0 {
                            return None;
                        }
                    }
                    _ => {}
                }
                terminated = matches!(b, b';' | b'{' | b'}');
            }
        }
        i += 1;
    }
    (depth == 0).then_some(cuts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_fall_between_members_of_the_top_level_body() {
        let text = "public class A {\n    Integer x = 1;\n\n    /** doc */\n    void f() {\n        if (x > 0) { y(); }\n    }\n    String s = '}{';\n}\n";
        // Line 1 (after the header), 2 (after the field), 7 (after f), 8.
        assert_eq!(member_boundaries(text), Some(vec![1, 2, 7, 8]));
        assert_eq!(member_boundaries("class A { String s = '''x'''; }\n"), None);
        assert_eq!(member_boundaries("class A { } }\n"), None);
    }

    #[test]
    fn untouched_runs_become_placeholders_and_come_back() {
        let mut base = String::from("public class A {\n");
        for i in 0..12 {
            base.push_str(&format!("    void m{i}() {{\n        x({i});\n    }}\n"));
        }
        base.push_str("}\n");
        let ours = base.replace("x(0)", "y(0)");
        let theirs = base.replace("x(11)", "y(11)");
        let reduced = reduce(&base, &ours, &theirs).expect("reducible");
        assert!(reduced.ours.len() < ours.len() / 2, "{}", reduced.ours);
        assert!(reduced.ours.contains("y(0)") && reduced.theirs.contains("y(11)"));
        assert_eq!(
            reduced.expand(&reduced.ours).as_deref(),
            Some(ours.as_str())
        );
        assert_eq!(reduced.expand("class A {\n}\n"), None);
    }
}
