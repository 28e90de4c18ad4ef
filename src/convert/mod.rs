//! Conversion between source format and metadata API format.
