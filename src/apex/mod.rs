//! The Apex engine: structure, semantic diff and 3-way merge of `.cls` and `.trigger` files.
