//! `jarvis mine deploy kubernetes`: the files written and the `kubectl` steps that follow.

use std::path::PathBuf;

use jarvis_deploy::Rendered;

use crate::output::{Doc, Table};

/// What was written and what the user runs next.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// config.toml's provider (the manifests always run vllm-pearl).
    pub(crate) provider: String,
    /// `--output`.
    pub(crate) output: PathBuf,
    /// The files, in apply order.
    pub(crate) files: Vec<PathBuf>,
    /// The Namespace's file, applied before the Secret is created.
    pub(crate) namespace_file: PathBuf,
    /// The command creating the Secret, the password read from its variable through stdin.
    pub(crate) secret_command: String,
    /// The objects.
    pub(crate) rendered: Rendered,
}

impl Plan {
    /// The `kubectl` steps, in order.
    pub(crate) fn commands(&self) -> [String; 3] {
        [
            format!("kubectl apply -f {}", self.namespace_file.display()),
            self.secret_command.clone(),
            format!("kubectl apply -f {}", self.output.display()),
        ]
    }

    /// `--json`.
    pub(crate) fn json(&self) -> serde_json::Value {
        let r = &self.rendered;
        serde_json::json!({
            "output": self.output,
            "files": self.files,
            "objects": r.manifests.iter().map(|m| serde_json::json!({
                "kind": m.kind, "name": m.name, "file": m.file_name,
            })).collect::<Vec<_>>(),
            "namespace": r.namespace,
            "image": r.image,
            "model": r.model,
            "gpus_per_pod": r.gpus,
            "password_secret": r.password_secret,
            "commands": self.commands(),
        })
    }
}

/// The objects written, then the steps to run them.
pub(crate) fn written(plan: &Plan) -> Doc {
    let r = &plan.rendered;
    let mut doc = Doc::new();
    doc.heading(format!(
        "Kubernetes manifests for the vllm-pearl miner in {}",
        plan.output.display()
    ));
    let mut table = Table::new(2, &["file", "kind", "name"]);
    for m in &r.manifests {
        table.row(vec![
            m.file_name.to_owned(),
            m.kind.to_owned(),
            m.name.clone(),
        ]);
    }
    doc.table(table);
    doc.line(format!(
        "One pod per GPU node ({} GPUs each) runs {} serving {}.",
        r.gpus, r.image, r.model
    ));
    if plan.provider != jarvis_vllm_pearl::ID {
        doc.line(format!(
            "config.toml mines with {} on this host; the manifests run vllm-pearl with its [mining.extra] settings.",
            plan.provider
        ));
    }
    doc.blank();
    doc.line("Next, with your cluster's kubectl (jarvis never contacts the cluster):");
    // Verbatim: a wrapped command would not paste.
    for command in plan.commands() {
        doc.verbatim(format!("  {command}"));
    }
    doc.line(format!(
        "The Secret {} holds pearld's RPC password under `password` (add `hf-token` for gated models); the manifests only name it.",
        r.password_secret
    ));
    doc
}

#[cfg(test)]
mod tests {
    use jarvis_deploy::{KubernetesOptions, render};
    use jarvis_mining::MiningConfig;
    use jarvis_mining::config::MiningSection;

    use super::*;
    use crate::views::plain;

    #[test]
    fn files_and_next_steps() {
        let config = MiningConfig::from_section(&MiningSection::new(
            "cpu-pearl",
            "prl1pqqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs23v9ccrydpk8qarc0ss8729k",
        ))
        .unwrap();
        let env = |k: &str| (k == "HOME").then(|| "/home/me".to_owned());
        let rendered = render(&config, &env, &KubernetesOptions::default()).unwrap();
        let output = PathBuf::from("k8s");
        let plan = Plan {
            provider: "cpu-pearl".to_owned(),
            files: rendered
                .manifests
                .iter()
                .map(|m| output.join(m.file_name))
                .collect(),
            namespace_file: output.join(rendered.namespace_file()),
            secret_command: rendered.secret_command("PEARLD_RPC_PASSWORD"),
            output,
            rendered,
        };
        insta::assert_snapshot!(plain(&written(&plan)));
        let json = plan.json();
        assert_eq!(json["commands"][2], "kubectl apply -f k8s");
        assert_eq!(json["gpus_per_pod"], 8);
    }
}
