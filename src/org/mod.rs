//! Org backends: the Metadata API client, format conversion and the org emulator.
