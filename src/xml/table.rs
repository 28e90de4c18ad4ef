//! The key table: what each repeated element of each metadata type means.
//!
//! Everything the engine knows about Salesforce XML lives here as data, one
//! [`Rule`] per (metadata type, element path). The merge and the diff look a
//! list up by the root element's name (which is the metadata type, so the file's
//! path is not needed) and the slash-separated path of the repeated element below
//! the root. Adding a type is adding rows; the tests at the bottom check the table
//! itself. Sources are in `shared/reference/XML-MERGE.md` ("The key table (v1)").
//!
//! Lists that Salesforce's retrieve sorts by key (the permission lists, labels)
//! are not marked here [to verify]: the merge re-sorts a keyed list only when all
//! three inputs were sorted by that key, which is the safe reading either way.

use std::collections::HashMap;
use std::sync::OnceLock;

/// What a list of repeated sibling elements is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A set whose items are identified by a key; order carries no meaning.
    /// The chain is tried in order until a key is present (first part) and
    /// unique on every side.
    Keyed(KeyChain),
    /// A list whose order is meaning (picklist values), with items identified by
    /// a key: merged as a sequence of keys, each item merged leaf by leaf.
    OrderedKeyed(KeyChain),
    /// A list whose order is meaning and whose items have no identity beyond
    /// their content and position (layout sections, rule entries).
    Ordered,
}

/// Candidate keys, tried in order. A key is a list of parts joined into one
/// compound key; a part names a child element whose text is used, `a|b` means
/// the first of `a` or `b` present, and `.` means the item's own text (for sets
/// of plain values). The first part must be present; later parts may be absent.
pub type KeyChain = &'static [&'static [&'static str]];

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Root element names (metadata types) the row applies to.
    pub types: &'static [&'static str],
    /// Slash-separated element path below the root: `fieldPermissions`,
    /// `fields/valueSet/valueSetDefinition/value`.
    pub path: &'static str,
    pub shape: Shape,
    /// How the diff names the list in a reorder message, relative to the
    /// nearest keyed ancestor (`valueSet values`, giving
    /// `fields[Tier__c].valueSet values reordered: ...` in an object).
    pub display: Option<&'static str>,
}

const PERMISSIONS: &[&str] = &["Profile", "PermissionSet", "MutingPermissionSet"];
const PROFILE: &[&str] = &["Profile"];
const PERMISSION_SET: &[&str] = &["PermissionSet", "MutingPermissionSet"];
const CRITERIA_TYPES: &[&str] = &[
    "SharingRules",
    "Workflow",
    "AssignmentRules",
    "AutoResponseRules",
    "EscalationRules",
];
const VALUE_SETS: &[&str] = &["GlobalValueSet", "StandardValueSet"];
const OBJECT: &[&str] = &["CustomObject"];
const FIELD: &[&str] = &["CustomField"];
const RECORD_TYPE: &[&str] = &["RecordType"];
const FLOW: &[&str] = &["Flow"];
const LAYOUT: &[&str] = &["Layout"];
const TRANSLATIONS: &[&str] = &["Translations"];
const OBJECT_TRANSLATION: &[&str] = &["CustomObjectTranslation"];
const WORKFLOW: &[&str] = &["Workflow"];
const SHARING: &[&str] = &["SharingRules"];
const PACKAGE: &[&str] = &["Package"];

const FULL_NAME: KeyChain = &[&["fullName"]];
const NAME: KeyChain = &[&["name"]];
const CRITERIA: KeyChain = &[&["field", "operation", "value", "valueField"]];

const fn keyed(types: &'static [&'static str], path: &'static str, chain: KeyChain) -> Rule {
    Rule {
        types,
        path,
        shape: Shape::Keyed(chain),
        display: None,
    }
}

const fn ordered_keyed(
    types: &'static [&'static str],
    path: &'static str,
    chain: KeyChain,
    display: &'static str,
) -> Rule {
    Rule {
        types,
        path,
        shape: Shape::OrderedKeyed(chain),
        display: Some(display),
    }
}

const fn ordered(types: &'static [&'static str], path: &'static str) -> Rule {
    Rule {
        types,
        path,
        shape: Shape::Ordered,
        display: None,
    }
}

/// The table. Types not listed fall back to [`DEFAULT_CHAIN`] (see [`lookup`]).
pub const RULES: &[Rule] = &[
    // Profile, PermissionSet, MutingPermissionSet.
    keyed(PERMISSIONS, "applicationVisibilities", &[&["application"]]),
    keyed(PERMISSIONS, "classAccesses", &[&["apexClass"]]),
    keyed(PERMISSIONS, "customMetadataTypeAccesses", NAME),
    keyed(PERMISSIONS, "customPermissions", NAME),
    keyed(PERMISSIONS, "customSettingAccesses", NAME),
    keyed(PERMISSIONS, "emailRoutingAddressAccesses", NAME),
    keyed(
        PERMISSIONS,
        "externalDataSourceAccesses",
        &[&["externalDataSource"]],
    ),
    keyed(
        PERMISSIONS,
        "externalCredentialPrincipalAccesses",
        &[&["externalCredentialPrincipal"]],
    ),
    keyed(PERMISSIONS, "fieldPermissions", &[&["field"]]),
    keyed(PERMISSIONS, "flowAccesses", &[&["flow"]]),
    keyed(PERMISSIONS, "objectPermissions", &[&["object"]]),
    keyed(PERMISSIONS, "pageAccesses", &[&["apexPage"]]),
    keyed(PERMISSIONS, "recordTypeVisibilities", &[&["recordType"]]),
    keyed(
        PERMISSIONS,
        "servicePresenceStatusAccesses",
        &[&["servicePresenceStatus"]],
    ),
    keyed(PERMISSIONS, "userPermissions", NAME),
    keyed(PROFILE, "tabVisibilities", &[&["tab"]]),
    keyed(PERMISSION_SET, "tabSettings", &[&["tab"]]),
    keyed(PERMISSION_SET, "dataspaceScopes", &[&["dataspaceScope"]]),
    keyed(PROFILE, "layoutAssignments", &[&["layout", "recordType"]]),
    keyed(
        PROFILE,
        "categoryGroupVisibilities",
        &[&["dataCategoryGroup"]],
    ),
    keyed(PROFILE, "loginIpRanges", &[&["startAddress", "endAddress"]]),
    keyed(PROFILE, "loginFlows", &[&["friendlyname"]]),
    // actionName alone is not unique (one override per form factor and record type).
    keyed(
        PROFILE,
        "profileActionOverrides",
        &[
            &[
                "actionName",
                "pageOrSobjectType",
                "formFactor",
                "recordType",
                "type",
            ],
            &[
                "actionName",
                "pageOrSobjectType",
                "formFactor",
                "recordType",
                "type",
                "content",
            ],
        ],
    ),
    // CustomLabels.
    keyed(&["CustomLabels"], "labels", FULL_NAME),
    // Value sets: order is what users see in the picklist.
    ordered_keyed(VALUE_SETS, "customValue", FULL_NAME, "customValue"),
    ordered_keyed(VALUE_SETS, "standardValue", FULL_NAME, "standardValue"),
    ordered_keyed(
        FIELD,
        "valueSet/valueSetDefinition/value",
        FULL_NAME,
        "valueSet values",
    ),
    keyed(
        FIELD,
        "valueSet/valueSettings",
        &[&["valueName", "controllingFieldValue"]],
    ),
    ordered_keyed(
        FIELD,
        "lookupFilter/filterItems",
        CRITERIA,
        "lookupFilter filterItems",
    ),
    ordered_keyed(FIELD, "summaryFilterItems", CRITERIA, "summaryFilterItems"),
    // CustomObject (metadata format) and its children.
    keyed(OBJECT, "fields", FULL_NAME),
    keyed(OBJECT, "listViews", FULL_NAME),
    keyed(OBJECT, "recordTypes", FULL_NAME),
    keyed(OBJECT, "validationRules", FULL_NAME),
    keyed(OBJECT, "webLinks", FULL_NAME),
    keyed(OBJECT, "compactLayouts", FULL_NAME),
    keyed(OBJECT, "fieldSets", FULL_NAME),
    keyed(OBJECT, "businessProcesses", FULL_NAME),
    keyed(OBJECT, "sharingReasons", FULL_NAME),
    keyed(OBJECT, "indexes", FULL_NAME),
    keyed(
        OBJECT,
        "actionOverrides",
        &[&["actionName", "formFactor", "type"]],
    ),
    ordered_keyed(
        OBJECT,
        "fields/valueSet/valueSetDefinition/value",
        FULL_NAME,
        "valueSet values",
    ),
    ordered(OBJECT, "listViews/columns"),
    ordered(OBJECT, "listViews/filters"),
    ordered(OBJECT, "compactLayouts/fields"),
    keyed(OBJECT, "recordTypes/picklistValues", &[&["picklist"]]),
    ordered_keyed(
        OBJECT,
        "recordTypes/picklistValues/values",
        FULL_NAME,
        "values",
    ),
    // Source-format children of CustomObject.
    ordered(&["ListView"], "columns"),
    ordered(&["ListView"], "filters"),
    ordered(&["CompactLayout"], "fields"),
    keyed(RECORD_TYPE, "picklistValues", &[&["picklist"]]),
    ordered_keyed(RECORD_TYPE, "picklistValues/values", FULL_NAME, "values"),
    // Workflow.
    keyed(WORKFLOW, "alerts", FULL_NAME),
    keyed(WORKFLOW, "fieldUpdates", FULL_NAME),
    keyed(WORKFLOW, "flowActions", FULL_NAME),
    keyed(WORKFLOW, "knowledgePublishes", FULL_NAME),
    keyed(WORKFLOW, "outboundMessages", FULL_NAME),
    keyed(WORKFLOW, "rules", FULL_NAME),
    keyed(WORKFLOW, "send", FULL_NAME),
    keyed(WORKFLOW, "tasks", FULL_NAME),
    // `type` alone is not unique: several users or fields receive one alert.
    keyed(
        WORKFLOW,
        "alerts/recipients",
        &[&["type", "recipient|field"]],
    ),
    keyed(WORKFLOW, "rules/actions", &[&["name", "type"]]),
    keyed(WORKFLOW, "flowActions/flowInputs", NAME),
    ordered(WORKFLOW, "rules/workflowTimeTriggers"),
    ordered_keyed(
        CRITERIA_TYPES,
        "rules/criteriaItems",
        CRITERIA,
        "criteriaItems",
    ),
    // SharingRules.
    keyed(SHARING, "sharingCriteriaRules", FULL_NAME),
    keyed(SHARING, "sharingOwnerRules", FULL_NAME),
    keyed(SHARING, "sharingGuestRules", FULL_NAME),
    keyed(SHARING, "sharingTerritoryRules", FULL_NAME),
    ordered_keyed(
        SHARING,
        "sharingCriteriaRules/criteriaItems",
        CRITERIA,
        "criteriaItems",
    ),
    // Assignment, auto-response and escalation rules: entries are evaluated in order.
    keyed(&["AssignmentRules"], "assignmentRule", FULL_NAME),
    keyed(&["AutoResponseRules"], "autoResponseRule", FULL_NAME),
    keyed(&["EscalationRules"], "escalationRule", FULL_NAME),
    ordered(&["AssignmentRules"], "assignmentRule/ruleEntry"),
    ordered(&["AutoResponseRules"], "autoResponseRule/ruleEntry"),
    ordered(&["EscalationRules"], "escalationRule/ruleEntry"),
    ordered_keyed(
        &["AssignmentRules"],
        "assignmentRule/ruleEntry/criteriaItems",
        CRITERIA,
        "criteriaItems",
    ),
    ordered_keyed(
        &["AutoResponseRules"],
        "autoResponseRule/ruleEntry/criteriaItems",
        CRITERIA,
        "criteriaItems",
    ),
    ordered_keyed(
        &["EscalationRules"],
        "escalationRule/ruleEntry/criteriaItems",
        CRITERIA,
        "criteriaItems",
    ),
    // MatchingRules.
    keyed(&["MatchingRules"], "matchingRules", FULL_NAME),
    keyed(
        &["MatchingRules"],
        "matchingRules/matchingRuleItems",
        &[&["fieldName", "matchingMethod"]],
    ),
    // Translations.
    keyed(TRANSLATIONS, "customLabels", NAME),
    keyed(TRANSLATIONS, "customApplications", NAME),
    keyed(TRANSLATIONS, "customTabs", NAME),
    keyed(TRANSLATIONS, "quickActions", NAME),
    keyed(TRANSLATIONS, "reportTypes", NAME),
    keyed(TRANSLATIONS, "scontrols", NAME),
    keyed(TRANSLATIONS, "customPageWebLinks", NAME),
    keyed(TRANSLATIONS, "flowDefinitions", FULL_NAME),
    keyed(TRANSLATIONS, "bots", FULL_NAME),
    keyed(TRANSLATIONS, "pipelineInspMetricConfigs", NAME),
    ordered(TRANSLATIONS, "prompts"),
    keyed(
        &["GlobalValueSetTranslation", "StandardValueSetTranslation"],
        "valueTranslation",
        &[&["masterLabel"]],
    ),
    keyed(OBJECT_TRANSLATION, "fields", NAME),
    keyed(OBJECT_TRANSLATION, "fieldSets", NAME),
    keyed(OBJECT_TRANSLATION, "layouts", &[&["layout"]]),
    keyed(OBJECT_TRANSLATION, "recordTypes", NAME),
    keyed(OBJECT_TRANSLATION, "sharingReasons", NAME),
    keyed(OBJECT_TRANSLATION, "standardFields", NAME),
    keyed(OBJECT_TRANSLATION, "validationRules", NAME),
    keyed(OBJECT_TRANSLATION, "webLinks", NAME),
    keyed(OBJECT_TRANSLATION, "workflowTasks", NAME),
    keyed(OBJECT_TRANSLATION, "quickActionParametersTranslation", NAME),
    keyed(
        OBJECT_TRANSLATION,
        "fields/picklistValues",
        &[&["masterLabel"]],
    ),
    keyed(
        OBJECT_TRANSLATION,
        "caseValues",
        &[&["article", "caseType", "plural", "possessive"]],
    ),
    keyed(OBJECT_TRANSLATION, "layouts/sections", &[&["section"]]),
    // PermissionSetGroup: a set of permission set names.
    keyed(&["PermissionSetGroup"], "permissionSets", &[&["."]]),
    keyed(&["PermissionSetGroup"], "mutingPermissionSets", &[&["."]]),
    // package.xml and destructiveChanges.xml.
    keyed(PACKAGE, "types", NAME),
    keyed(PACKAGE, "types/members", &[&["."]]),
    // Flow elements, keyed by their API name.
    keyed(FLOW, "actionCalls", NAME),
    keyed(FLOW, "apexPluginCalls", NAME),
    keyed(FLOW, "assignments", NAME),
    keyed(FLOW, "choices", NAME),
    keyed(FLOW, "collectionProcessors", NAME),
    keyed(FLOW, "constants", NAME),
    keyed(FLOW, "customErrors", NAME),
    keyed(FLOW, "decisions", NAME),
    keyed(FLOW, "dynamicChoiceSets", NAME),
    keyed(FLOW, "formulas", NAME),
    keyed(FLOW, "loops", NAME),
    keyed(FLOW, "orchestratedStages", NAME),
    keyed(FLOW, "recordCreates", NAME),
    keyed(FLOW, "recordDeletes", NAME),
    keyed(FLOW, "recordLookups", NAME),
    keyed(FLOW, "recordRollbacks", NAME),
    keyed(FLOW, "recordUpdates", NAME),
    keyed(FLOW, "screens", NAME),
    keyed(FLOW, "stages", NAME),
    keyed(FLOW, "steps", NAME),
    keyed(FLOW, "subflows", NAME),
    keyed(FLOW, "textTemplates", NAME),
    keyed(FLOW, "transforms", NAME),
    keyed(FLOW, "variables", NAME),
    keyed(FLOW, "waits", NAME),
    keyed(FLOW, "processMetadataValues", NAME),
    keyed(FLOW, "decisions/rules", NAME),
    ordered(FLOW, "decisions/rules/conditions"),
    ordered(FLOW, "assignments/assignmentItems"),
    ordered(FLOW, "screens/fields"),
    // Layout: position is what users see.
    ordered(LAYOUT, "layoutSections"),
    ordered(LAYOUT, "layoutSections/layoutColumns"),
    ordered(LAYOUT, "layoutSections/layoutColumns/layoutItems"),
    ordered(LAYOUT, "relatedLists"),
    ordered(LAYOUT, "relatedLists/fields"),
    ordered(LAYOUT, "platformActionList/platformActionListItems"),
    ordered(LAYOUT, "quickActionList/quickActionListItems"),
    // Others from the reference table.
    keyed(&["CustomMetadata"], "values", &[&["field"]]),
    keyed(&["QuickAction"], "fieldOverrides", &[&["field"]]),
    ordered(
        &["QuickAction"],
        "quickActionLayout/quickActionLayoutColumns",
    ),
    keyed(
        &["CustomApplication"],
        "actionOverrides",
        &[&[
            "actionName",
            "pageOrSobjectType",
            "formFactor",
            "recordType",
        ]],
    ),
    keyed(
        &["CustomApplication"],
        "profileActionOverrides",
        &[&[
            "actionName",
            "pageOrSobjectType",
            "formFactor",
            "profile",
            "recordType",
        ]],
    ),
    ordered(&["CustomApplication"], "tabs"),
    keyed(
        &["PathAssistant"],
        "pathAssistantSteps",
        &[&["picklistValueName"]],
    ),
    keyed(
        &["DuplicateRule"],
        "duplicateRuleMatchRules",
        &[&["matchingRule"]],
    ),
    keyed(&["Queue"], "queueSobject", &[&["sobjectType"]]),
    keyed(&["ReportType"], "sections", &[&["masterLabel"]]),
];

/// The rule for elements no row describes: keyed by `fullName`, else `name`,
/// where present and unique on every side; otherwise ordered by position.
pub const DEFAULT_CHAIN: KeyChain = &[&["fullName"], &["name"]];

/// Returns the rule for the repeated element at `path` below a root named `root_type`.
pub fn lookup(root_type: &str, path: &str) -> Option<&'static Rule> {
    static INDEX: OnceLock<HashMap<(&'static str, &'static str), &'static Rule>> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            let mut index = HashMap::new();
            for rule in RULES {
                for t in rule.types {
                    index.insert((*t, rule.path), rule);
                }
            }
            index
        })
        .get(&(root_type, path))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn no_two_rows_claim_the_same_type_and_path() {
        let mut seen = HashSet::new();
        for rule in RULES {
            for t in rule.types {
                assert!(
                    seen.insert((*t, rule.path)),
                    "duplicate row {t} {}",
                    rule.path
                );
            }
        }
    }

    #[test]
    fn paths_are_element_names_separated_by_slashes() {
        for rule in RULES {
            assert!(!rule.types.is_empty(), "{} has no type", rule.path);
            for segment in rule.path.split('/') {
                assert!(
                    !segment.is_empty()
                        && segment
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_'),
                    "bad path {}",
                    rule.path
                );
            }
            for t in rule.types {
                assert!(t.chars().all(|c| c.is_ascii_alphanumeric()), "bad type {t}");
            }
        }
    }

    #[test]
    fn keys_have_parts_and_plain_value_keys_stand_alone() {
        for rule in RULES {
            let chain = match rule.shape {
                Shape::Keyed(chain) | Shape::OrderedKeyed(chain) => chain,
                Shape::Ordered => continue,
            };
            assert!(!chain.is_empty(), "{} has an empty chain", rule.path);
            for key in chain {
                assert!(!key.is_empty(), "{} has an empty key", rule.path);
                for part in key.iter() {
                    for alternative in part.split('|') {
                        assert!(!alternative.is_empty(), "{} has an empty part", rule.path);
                    }
                    if *part == "." {
                        assert_eq!(key.len(), 1, "{}: `.` must be the whole key", rule.path);
                    }
                }
            }
        }
    }

    #[test]
    fn ordered_keyed_lists_say_how_a_reorder_is_named() {
        for rule in RULES {
            if matches!(rule.shape, Shape::OrderedKeyed(_)) {
                assert!(rule.display.is_some(), "{} needs a display name", rule.path);
            }
        }
    }

    #[test]
    fn the_issue_rows_are_present() {
        let key = |t: &str, p: &str| match lookup(t, p).map(|r| r.shape) {
            Some(Shape::Keyed(chain)) | Some(Shape::OrderedKeyed(chain)) => chain[0].to_vec(),
            other => panic!("{t} {p}: {other:?}"),
        };
        assert_eq!(key("Profile", "fieldPermissions"), ["field"]);
        assert_eq!(key("PermissionSet", "fieldPermissions"), ["field"]);
        assert_eq!(
            key("Profile", "layoutAssignments"),
            ["layout", "recordType"]
        );
        assert_eq!(
            key("Profile", "loginIpRanges"),
            ["startAddress", "endAddress"]
        );
        assert_eq!(key("CustomLabels", "labels"), ["fullName"]);
        assert_eq!(key("Flow", "decisions"), ["name"]);
        assert_eq!(
            key("Workflow", "alerts/recipients"),
            ["type", "recipient|field"]
        );
        assert!(matches!(
            lookup("GlobalValueSet", "customValue").map(|r| r.shape),
            Some(Shape::OrderedKeyed(_))
        ));
        assert!(matches!(
            lookup("Layout", "layoutSections").map(|r| r.shape),
            Some(Shape::Ordered)
        ));
        assert!(lookup("Profile", "nonsense").is_none());
        assert!(lookup("PermissionSet", "tabVisibilities").is_none());
    }
}
