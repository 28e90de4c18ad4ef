//! The Branch State Diagram: for one branch and every org of the pipeline,
//! whether the org holds what the branch changed, and what last happened there.
//!
//! `model` is the data (what `--format json` prints), `render` draws it as
//! text, Graphviz dot, SVG or HTML. Computing the model from git lives in
//! `compute`, which only reads the repository (and, for `--live`, asks the orgs).

pub mod compute;
pub mod render;

use serde::Serialize;

/// Where an org stands relative to the branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Every component the branch changed is in the org with the same meaning.
    InSync,
    /// The org lacks some of the branch's changes, and holds nothing the branch lacks.
    Behind,
    /// The org holds content the branch does not have.
    Diverged,
    /// The org has no snapshot yet: its state is unknown.
    Unknown,
}

impl State {
    pub fn label(self) -> &'static str {
        match self {
            State::InSync => "in sync",
            State::Behind => "behind",
            State::Diverged => "diverged",
            State::Unknown => "no snapshot",
        }
    }
}

/// The last deployment or promotion into an org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Activity {
    /// `deploy`, `promotion`, `snapshot`...
    pub kind: String,
    /// `succeeded`, `failed`, `blocked`.
    pub outcome: String,
    pub at: String,
    /// What it came from (a revision or `org:<alias>`).
    pub source: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// One org of the pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stage {
    pub org: String,
    pub org_branch: String,
    pub state: State,
    /// Tip of the org branch (short id) and when it was recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot_at: Option<String>,
    /// Components of the branch missing from the org.
    pub behind: Vec<String>,
    /// Components where the org holds content the branch does not have.
    pub diverged: Vec<String>,
    /// With `--live`: whether the org changed since its last snapshot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drifted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_activity: Option<Activity>,
}

/// The whole diagram for one branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagram {
    pub branch: String,
    pub base_branch: String,
    /// Components the branch changed since it left the base branch (all
    /// components when the branch is the base branch).
    pub changed_components: usize,
    pub stages: Vec<Stage>,
}
