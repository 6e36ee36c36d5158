//! JSON Schemas of the public contract, generated from the Rust types.
//!
//! The committed copies live in `oms-core/schema/`; a test fails when they
//! drift from the code. Regenerate with
//! `UPDATE_SCHEMAS=1 cargo test -p oms-core --test schema`.

use schemars::{generate::SchemaSettings, JsonSchema};

use crate::{Command, Config, Event};

fn schema_of<T: JsonSchema>() -> String {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let schema = generator.into_root_schema_for::<T>();
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// JSON Schema of [`Command`].
pub fn command_schema() -> String {
    schema_of::<Command>()
}

/// JSON Schema of [`Event`].
pub fn event_schema() -> String {
    schema_of::<Event>()
}

/// JSON Schema of [`Config`].
pub fn config_schema() -> String {
    schema_of::<Config>()
}

/// Every published schema as `(file name, text)`.
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        ("command.schema.json", command_schema()),
        ("event.schema.json", event_schema()),
        ("config.schema.json", config_schema()),
    ]
}
