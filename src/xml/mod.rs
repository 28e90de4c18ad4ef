//! The XML metadata engine: canonical model, key table, semantic diff and 3-way merge.
