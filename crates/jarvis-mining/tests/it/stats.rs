//! MiningStats in JSON: typed details keep their order, unknown is `null`, never a string or 0.

use jarvis_mining::stats::{Detail, MiningStats};
use serde_json::json;

#[test]
fn details_serialize_in_order_with_null_for_unknown() {
    let mut stats = MiningStats::unknown("cpu-pearl");
    let d = &mut stats.details;
    d.insert("supervisor", Detail::text("ready"));
    d.insert("submit_errors", Detail::Count(None));
    d.insert("mac_total", Detail::Count(Some(13_976_108_793_856)));
    d.insert("template_height", Detail::Number(Some(4242)));
    d.insert("gateway_up", Detail::Flag(Some(false)));
    d.insert("pearld_height", Detail::unknown("pearld did not answer"));
    d.insert("uptime", Detail::Seconds(Some(120.0)));
    d.insert("rate", Detail::Rate(Some(f64::NAN)));
    // Setting a key again keeps its place.
    d.insert("supervisor", Detail::text("failed"));

    let text = serde_json::to_string(&stats.details).expect("json");
    assert_eq!(
        text,
        r#"{"supervisor":"failed","submit_errors":null,"mac_total":13976108793856,"template_height":4242,"gateway_up":false,"pearld_height":null,"uptime":120,"rate":null}"#
    );
    let value = serde_json::to_value(&stats).expect("json");
    assert_eq!(value["details"]["submit_errors"], json!(null));
    assert_eq!(stats.details.len(), 8);
    assert_eq!(
        stats.details["mac_total"].as_u64(),
        Some(13_976_108_793_856)
    );
    assert_eq!(stats.details["supervisor"], "failed");
    assert_eq!(stats.details["gateway_up"].as_bool(), Some(false));
    assert!(stats.details.get("missing").is_none());
}
