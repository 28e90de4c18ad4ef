//! Drawing a [`Diagram`]: text for the terminal, dot for Graphviz, and a
//! standalone SVG (also embedded in HTML) that opens in any browser.

use super::{Diagram, Stage, State};
use std::fmt::Write;

/// Colours of a state: (fill, stroke, ANSI code).
fn palette(state: State) -> (&'static str, &'static str, &'static str) {
    match state {
        State::InSync => ("#e6f4ea", "#1e8e3e", "32"),
        State::Behind => ("#fef7e0", "#e37400", "33"),
        State::Diverged => ("#fce8e6", "#d93025", "31"),
        State::Unknown => ("#f1f3f4", "#80868b", "90"),
    }
}

fn symbol(state: State) -> &'static str {
    match state {
        State::InSync => "✓",
        State::Behind => "●",
        State::Diverged => "✗",
        State::Unknown => "?",
    }
}

fn counts(stage: &Stage) -> String {
    match stage.state {
        State::Behind => format!("{} behind", stage.behind.len()),
        State::Diverged if stage.behind.is_empty() => format!("{} diverged", stage.diverged.len()),
        State::Diverged => format!(
            "{} behind, {} diverged",
            stage.behind.len(),
            stage.diverged.len()
        ),
        _ => String::new(),
    }
}

fn activity_line(stage: &Stage) -> Option<String> {
    let a = stage.last_activity.as_ref()?;
    Some(format!(
        "last {}: {} at {} ({})",
        a.kind, a.outcome, a.at, a.source
    ))
}

/// Renders the diagram for a terminal; `color` adds ANSI colours.
pub fn text(diagram: &Diagram, color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Branch {} (from {}, {} component{} changed)\n",
        diagram.branch,
        diagram.base_branch,
        diagram.changed_components,
        if diagram.changed_components == 1 {
            ""
        } else {
            "s"
        }
    );
    let pipeline: Vec<String> = diagram
        .stages
        .iter()
        .map(|s| {
            paint(
                palette(s.state).2,
                &format!("[{} {}]", symbol(s.state), s.org),
            )
        })
        .collect();
    let _ = writeln!(out, "  {}\n", pipeline.join(" ──▶ "));
    let width = diagram
        .stages
        .iter()
        .map(|s| s.org.len())
        .max()
        .unwrap_or(0);
    for stage in &diagram.stages {
        let (_, _, code) = palette(stage.state);
        let state = paint(
            code,
            &format!("{} {}", symbol(stage.state), stage.state.label()),
        );
        let mut line = format!("  {:<width$}  {state}", stage.org);
        let count = counts(stage);
        if !count.is_empty() {
            line.push_str(&format!(" ({count})"));
        }
        if let Some(snapshot) = &stage.snapshot {
            line.push_str(&format!("  {} {}", stage.org_branch, snapshot));
        }
        if stage.drifted == Some(true) {
            line.push_str(&format!("  {}", paint("31", "drifted since snapshot")));
        }
        let _ = writeln!(out, "{line}");
        for (label, list) in [("behind", &stage.behind), ("diverged", &stage.diverged)] {
            if !list.is_empty() {
                let _ = writeln!(out, "  {:<width$}    {label}: {}", "", list.join(", "));
            }
        }
        if let Some(activity) = activity_line(stage) {
            let failed = stage
                .last_activity
                .as_ref()
                .is_some_and(|a| a.outcome != "succeeded");
            let _ = writeln!(
                out,
                "  {:<width$}    {}",
                "",
                if failed {
                    paint("31", &activity)
                } else {
                    activity
                }
            );
            for error in stage.last_activity.iter().flat_map(|a| &a.errors) {
                let _ = writeln!(out, "  {:<width$}      {}", "", paint("31", error));
            }
        }
    }
    out
}

/// Renders the diagram as a Graphviz digraph.
pub fn dot(diagram: &Diagram) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph sfsync {{\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];");
    let _ = writeln!(
        out,
        "  branch [label=\"{}\", shape=cds, fillcolor=\"#e8f0fe\"];",
        escape_dot(&diagram.branch)
    );
    for stage in &diagram.stages {
        let (fill, stroke, _) = palette(stage.state);
        let mut label = format!("{}\\n{}", stage.org, stage.state.label());
        let count = counts(stage);
        if !count.is_empty() {
            label.push_str(&format!("\\n{count}"));
        }
        let _ = writeln!(
            out,
            "  \"{}\" [label=\"{}\", fillcolor=\"{fill}\", color=\"{stroke}\"];",
            escape_dot(&stage.org),
            escape_dot(&label).replace("\\\\n", "\\n")
        );
    }
    let mut previous = "branch".to_string();
    for stage in &diagram.stages {
        let _ = writeln!(
            out,
            "  \"{}\" -> \"{}\";",
            escape_dot(&previous),
            escape_dot(&stage.org)
        );
        previous = stage.org.clone();
    }
    out.push_str("}\n");
    out
}

fn escape_dot(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn escape_xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STAGE_WIDTH: usize = 240;
const STAGE_GAP: usize = 60;
const MARGIN: usize = 20;

/// One line of text inside a stage box: (text, font size, colour, bold).
type Line = (String, usize, &'static str, bool);

/// Returns the lines drawn inside a stage's box.
fn stage_lines(stage: &Stage) -> Vec<Line> {
    let (_, stroke, _) = palette(stage.state);
    let mut lines: Vec<Line> = vec![
        (stage.org.clone(), 18, "#202124", true),
        (
            format!("{} {}", symbol(stage.state), stage.state.label()),
            14,
            stroke,
            true,
        ),
    ];
    let count = counts(stage);
    if !count.is_empty() {
        lines.push((count, 12, "#3c4043", false));
    }
    for (label, list) in [("behind", &stage.behind), ("diverged", &stage.diverged)] {
        for component in list.iter().take(4) {
            lines.push((
                format!("{label}: {}", truncate(component, 28)),
                11,
                "#3c4043",
                false,
            ));
        }
        if list.len() > 4 {
            lines.push((
                format!("  and {} more {label}", list.len() - 4),
                11,
                "#5f6368",
                false,
            ));
        }
    }
    if stage.drifted == Some(true) {
        lines.push(("drifted since snapshot".into(), 11, "#d93025", true));
    }
    if let Some(a) = &stage.last_activity {
        let color = if a.outcome == "succeeded" {
            "#3c4043"
        } else {
            "#d93025"
        };
        lines.push((format!("last {}: {}", a.kind, a.outcome), 11, color, true));
        lines.push((truncate(&a.source, 34), 10, "#5f6368", false));
        lines.push((truncate(&a.at, 34), 10, "#5f6368", false));
        for error in a.errors.iter().take(2) {
            lines.push((truncate(error, 34), 10, "#d93025", false));
        }
    }
    if let Some(snapshot) = &stage.snapshot {
        lines.push((
            format!("{} @ {snapshot}", stage.org_branch),
            10,
            "#5f6368",
            false,
        ));
    }
    lines
}

/// Renders the diagram as a standalone SVG document.
pub fn svg(diagram: &Diagram) -> String {
    let n = diagram.stages.len().max(1);
    let title = format!(
        "{} from {}, {} components changed",
        diagram.branch, diagram.base_branch, diagram.changed_components
    );
    let width = (MARGIN * 2 + n * STAGE_WIDTH + (n - 1) * STAGE_GAP)
        .max(MARGIN * 2 + title.chars().count() * 9);
    let all_lines: Vec<Vec<Line>> = diagram.stages.iter().map(stage_lines).collect();
    let box_height = all_lines
        .iter()
        .map(|lines| 28 + lines.iter().map(|(_, size, _, _)| size + 8).sum::<usize>())
        .max()
        .unwrap_or(60);
    let height = 44 + box_height + MARGIN;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"Helvetica, Arial, sans-serif\">"
    );
    let _ = writeln!(
        out,
        "  <title>Branch State Diagram: {}</title>",
        escape_xml(&diagram.branch)
    );
    let _ = writeln!(
        out,
        "  <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>"
    );
    let _ = writeln!(
        out,
        "  <text x=\"{MARGIN}\" y=\"28\" font-size=\"16\" font-weight=\"bold\">{} <tspan font-weight=\"normal\" fill=\"#5f6368\">from {}, {} components changed</tspan></text>",
        escape_xml(&diagram.branch),
        escape_xml(&diagram.base_branch),
        diagram.changed_components
    );
    let _ = writeln!(out, "  <defs><marker id=\"arrow\" markerWidth=\"10\" markerHeight=\"10\" refX=\"8\" refY=\"3\" orient=\"auto\"><path d=\"M0,0 L8,3 L0,6 z\" fill=\"#5f6368\"/></marker></defs>");
    for (i, (stage, lines)) in diagram.stages.iter().zip(&all_lines).enumerate() {
        let x = MARGIN + i * (STAGE_WIDTH + STAGE_GAP);
        let (fill, stroke, _) = palette(stage.state);
        let _ = writeln!(
            out,
            "  <g class=\"stage\" data-org=\"{org}\" data-state=\"{state}\">\n    <rect x=\"{x}\" y=\"44\" width=\"{STAGE_WIDTH}\" height=\"{box_height}\" rx=\"10\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"2\"/>",
            org = escape_xml(&stage.org),
            state = stage.state.label()
        );
        let mut y = 72;
        for (text, size, color, bold) in lines {
            let _ = writeln!(
                out,
                "    <text x=\"{}\" y=\"{y}\" font-size=\"{size}\" fill=\"{color}\"{}>{}</text>",
                x + 14,
                if *bold { " font-weight=\"bold\"" } else { "" },
                escape_xml(text)
            );
            y += size + 8;
        }
        out.push_str("  </g>\n");
        if i + 1 < diagram.stages.len() {
            let x1 = x + STAGE_WIDTH + 6;
            let x2 = x + STAGE_WIDTH + STAGE_GAP - 8;
            let _ = writeln!(
                out,
                "  <line x1=\"{x1}\" y1=\"100\" x2=\"{x2}\" y2=\"100\" stroke=\"#5f6368\" stroke-width=\"2\" marker-end=\"url(#arrow)\"/>"
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

/// Renders the diagram as a standalone HTML page embedding the SVG and a table.
pub fn html(diagram: &Diagram) -> String {
    let mut rows = String::new();
    for stage in &diagram.stages {
        let (_, stroke, _) = palette(stage.state);
        let activity = activity_line(stage).unwrap_or_default();
        let _ = writeln!(
            rows,
            "<tr><td>{}</td><td style=\"color:{stroke}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape_xml(&stage.org),
            stage.state.label(),
            escape_xml(&stage.behind.join(", ")),
            escape_xml(&stage.diverged.join(", ")),
            escape_xml(&activity)
        );
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Branch State Diagram: {branch}</title>\n\
         <style>body{{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#202124}}table{{border-collapse:collapse;margin-top:16px}}\
         td,th{{border:1px solid #dadce0;padding:6px 10px;text-align:left;font-size:13px}}</style>\n</head>\n<body>\n\
         <h1>Branch State Diagram</h1>\n{svg}<table>\n<tr><th>Org</th><th>State</th><th>Behind</th><th>Diverged</th><th>Last activity</th></tr>\n{rows}</table>\n</body>\n</html>\n",
        branch = escape_xml(&diagram.branch),
        svg = svg(diagram),
    )
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::Activity;

    fn diagram() -> Diagram {
        let stage = |org: &str, state, behind: Vec<&str>, diverged: Vec<&str>| Stage {
            org: org.into(),
            org_branch: format!("orgs/{org}"),
            state,
            snapshot: Some("a1b2c3d4e5".into()),
            snapshot_at: None,
            behind: behind.into_iter().map(String::from).collect(),
            diverged: diverged.into_iter().map(String::from).collect(),
            drifted: None,
            last_activity: None,
        };
        let mut uat = stage(
            "uat",
            State::Behind,
            vec!["ApexClass:InvoiceService"],
            vec![],
        );
        uat.last_activity = Some(Activity {
            kind: "deploy".into(),
            outcome: "failed".into(),
            at: "2026-01-01T00:00:00Z".into(),
            source: "main".into(),
            errors: vec!["classes/InvoiceService.cls:3:5 Unexpected token".into()],
        });
        Diagram {
            branch: "feature/JIRA-142".into(),
            base_branch: "main".into(),
            changed_components: 2,
            stages: vec![
                stage("dev", State::InSync, vec![], vec![]),
                uat,
                stage(
                    "prod",
                    State::Diverged,
                    vec!["ApexClass:InvoiceService"],
                    vec!["Profile:Admin"],
                ),
            ],
        }
    }

    #[test]
    fn text_lists_every_org_with_its_state_and_errors() {
        let text = text(&diagram(), false);
        assert!(text.contains("[✓ dev] ──▶ [● uat] ──▶ [✗ prod]"), "{text}");
        assert!(text.contains("behind: ApexClass:InvoiceService"));
        assert!(
            text.contains("last deploy: failed at 2026-01-01T00:00:00Z (main)"),
            "{text}"
        );
        assert!(text.contains("Unexpected token"));
        assert!(!text.contains('\x1b'), "no colour when asked for none");
    }

    #[test]
    fn svg_is_well_formed_and_names_every_org() {
        let svg = svg(&diagram());
        for org in ["dev", "uat", "prod"] {
            assert!(svg.contains(&format!("data-org=\"{org}\"")));
        }
        let mut reader = quick_xml::Reader::from_str(&svg);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("SVG is not well-formed: {e}"),
            }
        }
    }

    #[test]
    fn dot_chains_the_pipeline() {
        let dot = dot(&diagram());
        assert!(dot.contains("\"branch\" -> \"dev\""));
        assert!(dot.contains("\"uat\" -> \"prod\""));
    }
}
