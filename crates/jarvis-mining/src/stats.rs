//! What a provider reports about a running session.

use serde::Serialize;
use serde::ser::{SerializeMap as _, Serializer};

/// Hashrate over XMRig's three windows; `None` until a window has filled.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HashrateWindows {
    /// MAC/s over the last 10 s.
    pub s10: Option<f64>,
    /// MAC/s over the last 60 s.
    pub s60: Option<f64>,
    /// MAC/s over the last 15 min.
    pub m15: Option<f64>,
}

/// What a provider reports. Unknown values are `None`, never a fake zero.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MiningStats {
    /// Registry id of the reporting provider.
    pub provider_id: String,
    /// Proofs handed to the gateway.
    pub shares_submitted: Option<u64>,
    /// Proofs the gateway took (it answers "submitted" for every queued proof).
    pub shares_accepted: Option<u64>,
    /// Blocks the node accepted.
    pub blocks_found: Option<u64>,
    /// MAC/s over the provider's own windows.
    pub hashrate: HashrateWindows,
    /// Seconds since the mining session started.
    pub uptime_seconds: Option<f64>,
    /// Unix time of the last submitted proof.
    pub last_share_at: Option<f64>,
    /// The latest error the provider saw.
    pub last_error: Option<String>,
    /// `solo` (pools are not supported).
    pub payout_target: String,
    /// Always 0: no fee in this version.
    pub fees_owed: u64,
    /// Provider-specific facts (container state, gateway state, template height, ...), keyed
    /// by snake_case names, typed so the CLI formats the numbers; `null` in JSON when unknown.
    pub details: Details,
}

impl MiningStats {
    /// Stats with nothing known yet.
    pub fn unknown(provider_id: &str) -> Self {
        Self {
            provider_id: provider_id.to_owned(),
            shares_submitted: None,
            shares_accepted: None,
            blocks_found: None,
            hashrate: HashrateWindows::default(),
            uptime_seconds: None,
            last_share_at: None,
            last_error: None,
            payout_target: "solo".to_owned(),
            fees_owed: 0,
            details: Details::default(),
        }
    }
}

/// The value of one provider detail. What is not known is `None` (or `Unknown` with the
/// reason), `null` in JSON: never a fake zero or an "unknown" string.
#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    /// A quantity: proofs, multiply-accumulates, restarts, errors.
    Count(Option<u64>),
    /// A number that names something rather than counts it: a pid, a block height.
    Number(Option<u64>),
    /// Multiply-accumulates per second.
    Rate(Option<f64>),
    /// A duration, seconds.
    Seconds(Option<f64>),
    /// A moment, unix seconds.
    Timestamp(Option<f64>),
    /// Yes or no.
    Flag(Option<bool>),
    /// Words: a state, an address, a list of names.
    Text(String),
    /// Not known, and why (shown to people; `null` in JSON).
    Unknown {
        /// Why it is not known.
        why: String,
    },
}

impl Detail {
    /// Text.
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text(text.into())
    }

    /// Not known because of `why`.
    pub fn unknown(why: impl Into<String>) -> Self {
        Self::Unknown { why: why.into() }
    }

    /// The value of a `Count` or `Number`, when known.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Self::Count(n) | Self::Number(n) => *n,
            _ => None,
        }
    }

    /// The words of a `Text`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The value of a `Flag`, when known.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Flag(flag) => *flag,
            _ => None,
        }
    }
}

impl PartialEq<&str> for Detail {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl Serialize for Detail {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let finite = |v: &Option<f64>| v.filter(|v| v.is_finite());
        match self {
            Self::Count(n) | Self::Number(n) => n.serialize(s),
            // Whole seconds stay integers, as they were before the details were typed.
            Self::Seconds(v) => match finite(v) {
                Some(v) if v.fract() == 0.0 && (0.0..9.0e15).contains(&v) => {
                    s.serialize_u64(v as u64)
                }
                other => other.serialize(s),
            },
            Self::Rate(v) | Self::Timestamp(v) => finite(v).serialize(s),
            Self::Flag(b) => b.serialize(s),
            Self::Text(text) => s.serialize_str(text),
            Self::Unknown { .. } => s.serialize_none(),
        }
    }
}

/// Provider details in the order the provider gives them; a JSON object.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Details(Vec<(String, Detail)>);

impl Details {
    /// Sets `key` (in place when present, else at the end).
    pub fn insert(&mut self, key: impl Into<String>, detail: Detail) {
        let key = key.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, value)) => *value = detail,
            None => self.0.push((key, detail)),
        }
    }

    /// The detail under `key`.
    pub fn get(&self, key: &str) -> Option<&Detail> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, d)| d)
    }

    /// Every detail, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Detail)> {
        self.0.iter().map(|(k, d)| (k.as_str(), d))
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::ops::Index<&str> for Details {
    type Output = Detail;

    /// The detail under `key`; panics when there is none (tests).
    fn index(&self, key: &str) -> &Detail {
        self.get(key)
            .unwrap_or_else(|| panic!("no detail {key:?} in {self:?}"))
    }
}

impl Serialize for Details {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (key, detail) in &self.0 {
            map.serialize_entry(key, detail)?;
        }
        map.end()
    }
}
