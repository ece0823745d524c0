//! Tiny Pearl model artifacts on disk for inspect-model tests: a valid two-shard Llama-shaped
//! artifact, or one with a chosen flaw. Tensors are 4x4 (their bytes are zeros).

use std::path::Path;

use serde_json::{Value, json};

/// What to break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArtifactFlaw {
    /// A valid artifact.
    None,
    /// `quant_method = "compressed-tensors"`.
    WrongQuantMethod,
    /// The second shard is absent.
    MissingShard,
    /// The first shard's header is not JSON.
    CorruptHeader,
    /// The first shard claims an 8-byte length of `u64::MAX`.
    HugeHeaderLength,
    /// The first shard's header JSON is cut off (length larger than the file).
    TruncatedHeader,
    /// The index names a shard `../outside.safetensors`.
    TraversalShard,
    /// A mining projection (`mlp.up_proj`) left in BF16.
    UnquantizedMiningLayer,
    /// The index maps a tensor to the wrong shard.
    IndexMismatch,
}

const ROWS: u64 = 4;
const SHARDS: [&str; 2] = [
    "model-00001-of-00002.safetensors",
    "model-00002-of-00002.safetensors",
];

fn layer_tensors(layer: usize, flaw: ArtifactFlaw) -> Vec<(String, &'static str, Vec<u64>)> {
    let mut out = Vec::new();
    for proj in [
        "self_attn.q_proj",
        "self_attn.k_proj",
        "self_attn.v_proj",
        "self_attn.o_proj",
        "mlp.gate_proj",
        "mlp.up_proj",
        "mlp.down_proj",
    ] {
        let name = format!("model.layers.{layer}.{proj}.weight");
        let bf16 = flaw == ArtifactFlaw::UnquantizedMiningLayer && proj == "mlp.up_proj";
        out.push((
            name.clone(),
            if bf16 { "BF16" } else { "I8" },
            vec![ROWS, ROWS],
        ));
        if !bf16 {
            out.push((format!("{name}_scale"), "BF16", vec![ROWS, 1]));
        }
    }
    out.push((
        format!("model.layers.{layer}.input_layernorm.weight"),
        "BF16",
        vec![ROWS],
    ));
    out
}

fn dtype_size(dtype: &str) -> u64 {
    if dtype == "I8" { 1 } else { 2 }
}

/// Writes a safetensors file with zeroed data; returns its tensor names.
fn write_safetensors(path: &Path, tensors: &[(String, &str, Vec<u64>)]) -> Vec<String> {
    let mut header = serde_json::Map::new();
    header.insert("__metadata__".into(), json!({"format": "pt"}));
    let mut offset = 0u64;
    for (name, dtype, shape) in tensors {
        let bytes = shape.iter().product::<u64>() * dtype_size(dtype);
        header.insert(
            name.clone(),
            json!({"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + bytes]}),
        );
        offset += bytes;
    }
    let mut json_bytes = Value::Object(header).to_string().into_bytes();
    while !json_bytes.len().is_multiple_of(8) {
        json_bytes.push(b' ');
    }
    let mut file = (json_bytes.len() as u64).to_le_bytes().to_vec();
    file.extend_from_slice(&json_bytes);
    file.extend(std::iter::repeat_n(0u8, offset as usize));
    std::fs::write(path, file).expect("write a safetensors shard");
    tensors.iter().map(|(n, _, _)| n.clone()).collect()
}

/// The Pearl `quantization_config` (int8 non-mining group, 7-bit mining group).
pub fn pearl_quantization_config(method: &str) -> Value {
    json!({
        "quant_method": method, "format": "mixed-precision", "quantization_status": "compressed",
        "config_groups": {
            "group_0": {"targets": ["re:.*self_attn\\.(q|k|v|qkv)_proj$", "re:.*mlp\\.down_proj$"],
                "weights": {"num_bits": 8, "type": "int", "symmetric": true, "strategy": "channel"},
                "input_activations": {"num_bits": 8, "type": "int", "dynamic": true, "strategy": "token"}},
            "group_1": {"targets": ["Linear"],
                "weights": {"num_bits": 7, "type": "int", "symmetric": true, "strategy": "channel"},
                "input_activations": {"num_bits": 7, "type": "int", "dynamic": true, "strategy": "token"}}
        },
        "ignore": ["lm_head", "re:.*embed_tokens.*"]
    })
}

/// Writes an artifact into `dir` (created if needed).
pub fn write_pearl_artifact(dir: &Path, flaw: ArtifactFlaw) {
    std::fs::create_dir_all(dir).expect("create the artifact directory");
    let method = if flaw == ArtifactFlaw::WrongQuantMethod {
        "compressed-tensors"
    } else {
        "pearl"
    };
    let config = json!({"architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "hidden_size": ROWS, "num_hidden_layers": 2, "torch_dtype": "bfloat16",
        "quantization_config": pearl_quantization_config(method)});
    std::fs::write(dir.join("config.json"), config.to_string()).expect("write config.json");
    std::fs::write(dir.join("tokenizer.json"), "{\"version\":\"1.0\"}").expect("tokenizer");
    std::fs::write(dir.join("tokenizer_config.json"), "{}").expect("tokenizer_config");
    std::fs::create_dir_all(dir.join(".git")).expect("create .git");
    std::fs::write(dir.join(".git").join("HEAD"), "ref: refs/heads/main\n").expect(".git");

    let mut first = layer_tensors(0, flaw);
    first.push(("model.embed_tokens.weight".into(), "BF16", vec![16, ROWS]));
    let mut second = layer_tensors(1, flaw);
    second.push(("model.norm.weight".into(), "BF16", vec![ROWS]));
    second.push(("lm_head.weight".into(), "BF16", vec![16, ROWS]));
    let mut weight_map = serde_json::Map::new();
    for (shard, tensors) in SHARDS.iter().zip([&first, &second]) {
        let names = write_safetensors(&dir.join(shard), tensors);
        for name in names {
            weight_map.insert(name, json!(shard));
        }
    }
    match flaw {
        ArtifactFlaw::MissingShard => {
            std::fs::remove_file(dir.join(SHARDS[1])).expect("remove a shard");
        }
        ArtifactFlaw::CorruptHeader => {
            let mut bytes = 16u64.to_le_bytes().to_vec();
            bytes.extend_from_slice(b"this is not json");
            std::fs::write(dir.join(SHARDS[0]), bytes).expect("corrupt a shard");
        }
        ArtifactFlaw::HugeHeaderLength => {
            let mut bytes = u64::MAX.to_le_bytes().to_vec();
            bytes.extend_from_slice(b"{}");
            std::fs::write(dir.join(SHARDS[0]), bytes).expect("corrupt a shard");
        }
        ArtifactFlaw::TruncatedHeader => {
            let mut bytes = 4096u64.to_le_bytes().to_vec();
            bytes.extend_from_slice(b"{\"model.layers.0.self_attn.q_proj.weight\": {\"dtype\"");
            std::fs::write(dir.join(SHARDS[0]), bytes).expect("corrupt a shard");
        }
        ArtifactFlaw::TraversalShard => {
            weight_map.insert(
                "model.layers.0.mlp.extra.weight".into(),
                json!("../outside.safetensors"),
            );
        }
        ArtifactFlaw::IndexMismatch => {
            weight_map.insert("model.norm.weight".into(), json!(SHARDS[0]));
        }
        ArtifactFlaw::None
        | ArtifactFlaw::WrongQuantMethod
        | ArtifactFlaw::UnquantizedMiningLayer => {}
    }
    let index = json!({"metadata": {"total_size": 0}, "weight_map": weight_map});
    std::fs::write(
        dir.join("model.safetensors.index.json"),
        serde_json::to_string_pretty(&index).expect("serialize the index"),
    )
    .expect("write the index");
}
