//! The Salesforce metadata model: which files of a project make up which component.
