//! Which weights mine: Pearl quantizes every Linear projection to int8 storage; the attention
//! q/k/v projections and `mlp.down_proj` are non-mining int8 layers, every other projection is
//! a 7-bit mining layer (NoisyGEMM runs on those). Each quantized weight carries a
//! `<name>_scale` of shape `[rows, 1]`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::safetensors::TensorInfo;

/// Name fragments that are never quantized (embeddings, heads, multimodal towers).
const ALWAYS_IGNORED: &[&str] = &[
    "lm_head",
    "embed_tokens",
    "embed_vision",
    "vision",
    "visual",
    "multi_modal_projector",
    "image",
    "audio",
];

/// Projections that stay int8 (non-mining).
const NON_MINING: &[&str] = &[
    "self_attn.q_proj.",
    "self_attn.k_proj.",
    "self_attn.v_proj.",
    "self_attn.qkv_proj.",
    "mlp.down_proj.",
];

/// The two layer classes and what is wrong with them.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct LayerSummary {
    pub(crate) mining: usize,
    pub(crate) non_mining: usize,
    pub(crate) mining_problems: Vec<String>,
    pub(crate) non_mining_problems: Vec<String>,
}

/// `quantization_config.config_groups`: (group name, weight bits).
pub(crate) fn config_groups(quant: &Value) -> Vec<(String, u64)> {
    let Some(groups) = quant.get("config_groups").and_then(Value::as_object) else {
        return Vec::new();
    };
    groups
        .iter()
        .map(|(name, g)| {
            let bits = g
                .pointer("/weights/num_bits")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            (name.clone(), bits)
        })
        .collect()
}

/// `quantization_config.ignore`, reduced to plain name fragments (`re:.*vision.*` → `vision`).
pub(crate) fn ignore_fragments(quant: &Value) -> Vec<String> {
    quant
        .get("ignore")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(|s| {
                    let s = s.strip_prefix("re:").unwrap_or(s);
                    s.replace(".*", "").trim_matches(['^', '$', '.']).to_owned()
                })
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// Classifies every Linear projection weight in `tensors`.
pub(crate) fn classify(tensors: &BTreeMap<String, TensorInfo>, ignore: &[String]) -> LayerSummary {
    let mut summary = LayerSummary::default();
    for (name, info) in tensors {
        let Some(base) = name.strip_suffix(".weight") else {
            continue;
        };
        let ignored = ALWAYS_IGNORED.iter().any(|f| name.contains(f))
            || ignore.iter().any(|f| name.contains(f.as_str()));
        if !base.ends_with("_proj") || ignored {
            continue;
        }
        let non_mining = NON_MINING.iter().any(|f| name.contains(f));
        let problem = weight_problem(name, info, tensors.get(&format!("{name}_scale")));
        let (count, problems) = if non_mining {
            (&mut summary.non_mining, &mut summary.non_mining_problems)
        } else {
            (&mut summary.mining, &mut summary.mining_problems)
        };
        *count += 1;
        problems.extend(problem);
    }
    summary
}

fn weight_problem(name: &str, w: &TensorInfo, scale: Option<&TensorInfo>) -> Option<String> {
    if w.dtype != "I8" {
        return Some(format!("{name} is {}, expected I8", w.dtype));
    }
    let [rows, _] = w.shape.as_slice() else {
        return Some(format!("{name} has shape {:?}, expected 2-D", w.shape));
    };
    let Some(scale) = scale else {
        return Some(format!("{name} has no {name}_scale"));
    };
    let scale_ok = matches!(scale.shape.as_slice(), [r, 1] if r == rows)
        || matches!(scale.shape.as_slice(), [r] if r == rows);
    if scale_ok {
        None
    } else {
        Some(format!(
            "{name}_scale has shape {:?}, expected [{rows}, 1]",
            scale.shape
        ))
    }
}

/// The first few problems, then a count of the rest.
pub(crate) fn summarize(problems: &[String]) -> String {
    let shown: Vec<&str> = problems.iter().take(3).map(String::as_str).collect();
    match problems.len().saturating_sub(3) {
        0 => shown.join("; "),
        more => format!("{} (+{more} more)", shown.join("; ")),
    }
}
