//! How an experiment definition is stored: the core's `ExperimentSpec` as JSON, so a service
//! or a binding that reads it back gets the same experiment (same key, variants, weights,
//! strategies, engine configurations of the variants that carry one, coverage, namespace, hash
//! version and seed). The shared store suite round-trips one on every backend.

use craic_core::experiments::{Experiment, ExperimentSpec};

use crate::error::{Result, StoreError};
use crate::types::ExperimentRecord;

impl ExperimentRecord {
    /// The record of an experiment: its key, its definition (the spec as JSON) and its variant
    /// names, control first.
    pub fn from_experiment(experiment: &Experiment) -> ExperimentRecord {
        let spec = experiment.spec();
        ExperimentRecord {
            key: spec.key.clone(),
            // A spec is plain data (strings, numbers, enums): serialising it cannot fail.
            definition: serde_json::to_vec(spec).unwrap_or_default(),
            variants: spec.variants.iter().map(|v| v.name.clone()).collect(),
        }
    }

    /// The experiment this record defines. A definition that is not a valid spec (written by
    /// something else) is an `InvalidInput` error; an inconsistent one the core's error.
    pub fn to_experiment(&self) -> Result<Experiment> {
        let spec: ExperimentSpec = serde_json::from_slice(&self.definition).map_err(|e| {
            StoreError::InvalidInput(format!(
                "experiment {:?}: the stored definition is not an experiment spec: {e}",
                self.key
            ))
        })?;
        Ok(Experiment::new(spec)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use craic_core::Strategy;

    #[test]
    fn an_experiment_round_trips() {
        let e = Experiment::builder("feed")
            .variant("control", 0.5, Strategy::Popularity)
            .variant("hybrid", 0.5, Strategy::Hybrid)
            .coverage(0.8)
            .namespace("ns", 0.0, 0.5)
            .seed("s")
            .build()
            .unwrap();
        let record = ExperimentRecord::from_experiment(&e);
        assert_eq!(record.key, "feed");
        assert_eq!(record.variants, ["control", "hybrid"]);
        let back = record.to_experiment().unwrap();
        assert_eq!(back.spec(), e.spec());
        assert_eq!(back.assign("ana"), e.assign("ana"));
    }

    #[test]
    fn a_foreign_definition_is_invalid_input() {
        let record = ExperimentRecord {
            key: "x".into(),
            definition: b"not json".to_vec(),
            variants: vec![],
        };
        assert!(matches!(
            record.to_experiment(),
            Err(StoreError::InvalidInput(_))
        ));
    }
}
