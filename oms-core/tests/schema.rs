//! The committed JSON Schemas in `oms-core/schema/` must match the code.
//! Regenerate with `UPDATE_SCHEMAS=1 cargo test -p oms-core --test schema`.

use std::path::PathBuf;

#[test]
fn committed_schemas_match_the_code() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema");
    let update = std::env::var_os("UPDATE_SCHEMAS").is_some();
    for (name, text) in oms_core::schema::all() {
        let path = dir.join(name);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == text,
            "{} is out of date with the Rust types; run UPDATE_SCHEMAS=1 cargo test -p oms-core --test schema",
            path.display()
        );
    }
}

#[test]
fn schemas_name_every_command_and_event() {
    let commands = oms_core::schema::command_schema();
    for name in oms_core::Command::NAMES {
        assert!(
            commands.contains(&format!("\"{name}\"")),
            "command schema lacks {name}"
        );
    }
    for name in [
        "define_location",
        "define_product",
        "receive_stock",
        "adjust_stock",
        "count_stock",
        "set_safety_stock",
        "place_order",
        "record_payment",
        "place_hold",
        "release_hold",
        "allocate",
        "ship",
        "confirm_delivery",
        "cancel_order",
        "cancel_line",
    ] {
        assert!(
            commands.contains(&format!("\"{name}\"")),
            "command schema lacks {name}"
        );
    }
    let events = oms_core::schema::event_schema();
    for name in [
        "order_placed",
        "order_allocated",
        "order_shipped",
        "line_cancelled",
        "order_status_changed",
        "supplier_defined",
        "supplier_item_set",
        "po_created",
        "po_amended",
        "po_submitted",
        "po_approved",
        "po_rejected",
        "po_sent",
        "po_received",
        "po_closed",
        "po_cancelled",
        "po_late",
        "replenishment_set",
        "cross_docked",
    ] {
        assert!(
            events.contains(&format!("\"{name}\"")),
            "event schema lacks {name}"
        );
    }
}
