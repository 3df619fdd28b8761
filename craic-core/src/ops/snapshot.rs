//! A small, explicit, checksummed container for snapshots of serde types.
//!
//! The payload is encoded with bincode 2 (serde mode, `config::standard()`: little-endian,
//! variable-length integers) and wrapped in a fixed 32-byte header:
//!
//! | offset | size | field                                                      |
//! |-------:|-----:|------------------------------------------------------------|
//! | 0      | 8    | magic bytes [`MAGIC`] = `b"CRAICSNP"`                      |
//! | 8      | 4    | container format version, u32 LE ([`FORMAT_VERSION`])      |
//! | 12     | 4    | kind tag, 4 bytes ([`UNTYPED`] for [`encode`] / [`decode`]) |
//! | 16     | 8    | payload length in bytes, u64 LE                            |
//! | 24     | 4    | CRC-32 (IEEE) of the payload, u32 LE                       |
//! | 28     | 4    | CRC-32 (IEEE) of header bytes `0..28`, u32 LE              |
//! | 32     | n    | payload                                                    |
//!
//! Why CRC-32 (`crc32fast`) rather than xxHash: CRC-32 *guarantees* detection of every single-bit
//! flip and every burst error up to 32 bits (xxHash only detects them with probability
//! 1 − 2⁻³²/2⁻⁶⁴), it is a tiny, dependency-free crate, and with SIMD (`pclmulqdq`) it runs at
//! several GB/s — far faster than the snapshot can be deserialized anyway. Neither is a defence
//! against deliberate tampering; sign snapshots at the storage layer if that matters.
//!
//! Decoding never panics and classifies every failure as an [`Error::Snapshot`] with a
//! [`SnapshotProblem`]:
//!
//! * [`SnapshotProblem::Foreign`] — empty input, wrong magic (a PNG, a JSON file, …) or a
//!   snapshot of another kind;
//! * [`SnapshotProblem::UnsupportedVersion`] — written by a newer (or unknown) container version;
//! * [`SnapshotProblem::Truncated`] — shorter than the header, or than the length it records;
//! * [`SnapshotProblem::Corrupt`] — header or payload checksum mismatch, trailing bytes, or a
//!   payload that does not decode as the requested type.
//!
//! Lengths are always checked against the real buffer before anything is allocated, and bincode
//! runs with a byte limit proportional to the payload size, so a lying length prefix inside the
//! payload can never make the decoder allocate more than `max(1 MiB, 16 × payload length)`.
//!
//! **Serde caveat.** bincode is not self-describing, so payload types must avoid serde features
//! that need `deserialize_any` or identifiers: internally tagged (`#[serde(tag = "...")]`),
//! adjacently tagged (`tag` + `content`) and `untagged` enums, `#[serde(flatten)]`,
//! `#[serde(skip_serializing_if = ...)]`, and `serde_json::Value` fields. Such payloads encode
//! but fail to decode (as [`SnapshotProblem::Corrupt`]). Externally tagged enums (serde's
//! default, `rename_all` is fine) work.
//!
//! The format version covers the *container*. Evolving the *payload* type (adding fields …) is
//! the caller's concern: use a new kind tag, or keep a version field inside the payload.
//!
//! ```
//! use craic_core::snapshot::{self, decode, encode};
//! use craic_core::{ErrorKind, Error, SnapshotProblem};
//!
//! let model: Vec<(String, f32)> = vec![("concert".into(), 0.5), ("expo".into(), 1.25)];
//! let bytes = encode(&model).unwrap();
//! assert_eq!(&bytes[..8], b"CRAICSNP");
//! assert_eq!(bytes.len(), snapshot::HEADER_LEN + snapshot::header(&bytes).unwrap().payload_len as usize);
//! assert_eq!(decode::<Vec<(String, f32)>>(&bytes).unwrap(), model);
//!
//! // Any single flipped bit is detected.
//! let mut bad = bytes.clone();
//! bad[40] ^= 0x08;
//! let err = decode::<Vec<(String, f32)>>(&bad).unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::InvalidSnapshot);
//! assert!(matches!(err, Error::Snapshot { reason: SnapshotProblem::Corrupt, .. }));
//!
//! // Truncation and foreign input are told apart.
//! let short = decode::<Vec<(String, f32)>>(&bytes[..bytes.len() - 1]).unwrap_err();
//! assert!(matches!(short, Error::Snapshot { reason: SnapshotProblem::Truncated, .. }));
//! let png = decode::<Vec<(String, f32)>>(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap_err();
//! assert!(matches!(png, Error::Snapshot { reason: SnapshotProblem::Foreign, .. }));
//! ```

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::model::error::{Error, Result, SnapshotProblem};

/// The 8 magic bytes every snapshot starts with.
pub const MAGIC: [u8; 8] = *b"CRAICSNP";
/// The container format version written by [`encode`]; [`decode`] accepts versions `1..=` this.
pub const FORMAT_VERSION: u32 = 1;
/// Size of the fixed header in bytes.
pub const HEADER_LEN: usize = 32;
/// The kind tag used by [`encode`] and [`decode`] (four zero bytes).
pub const UNTYPED: [u8; 4] = [0; 4];
/// Largest payload [`encode`] writes and [`decode`] accepts: 4 GiB − 1 byte.
pub const MAX_PAYLOAD_LEN: u64 = u32::MAX as u64;

/// The decoded, validated header of a snapshot (see [`header`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Container format version.
    pub version: u32,
    /// Kind tag.
    pub kind: [u8; 4],
    /// Payload length in bytes.
    pub payload_len: u64,
    /// CRC-32 of the payload.
    pub payload_crc: u32,
}

fn problem(reason: SnapshotProblem, detail: impl Into<String>) -> Error {
    Error::Snapshot {
        reason,
        detail: detail.into(),
    }
}

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

/// Encodes `value` as an untyped snapshot (kind tag [`UNTYPED`]).
///
/// Fails (with [`SnapshotProblem::Corrupt`], the only fitting kind of the one error type) only if
/// serde cannot represent `value` in bincode (for example a sequence without a known length) or
/// the payload exceeds [`MAX_PAYLOAD_LEN`].
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    encode_kind(UNTYPED, value)
}

/// Encodes `value` as a snapshot with the kind tag `kind` (for example `*b"MODL"`), so that a
/// snapshot of one kind can never be decoded as another by [`decode_kind`].
pub fn encode_kind<T: Serialize + ?Sized>(kind: [u8; 4], value: &T) -> Result<Vec<u8>> {
    let mut out = vec![0u8; HEADER_LEN];
    bincode::serde::encode_into_std_write(value, &mut out, config()).map_err(|e| {
        problem(
            SnapshotProblem::Corrupt,
            format!("cannot encode value: {e}"),
        )
    })?;
    let payload_len = (out.len() - HEADER_LEN) as u64;
    if payload_len > MAX_PAYLOAD_LEN {
        return Err(problem(
            SnapshotProblem::Corrupt,
            format!(
                "cannot encode value: payload of {payload_len} bytes exceeds {MAX_PAYLOAD_LEN}"
            ),
        ));
    }
    let payload_crc = crc32fast::hash(&out[HEADER_LEN..]);
    out[0..8].copy_from_slice(&MAGIC);
    out[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    out[12..16].copy_from_slice(&kind);
    out[16..24].copy_from_slice(&payload_len.to_le_bytes());
    out[24..28].copy_from_slice(&payload_crc.to_le_bytes());
    let header_crc = crc32fast::hash(&out[0..28]);
    out[28..32].copy_from_slice(&header_crc.to_le_bytes());
    Ok(out)
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(b)
}

/// Reads and validates the header of `bytes` (magic, version, header checksum, and that the
/// buffer holds exactly the recorded payload length). Does not check the payload checksum.
pub fn header(bytes: &[u8]) -> Result<Header> {
    if bytes.is_empty() {
        return Err(problem(SnapshotProblem::Foreign, "empty input"));
    }
    let magic_len = bytes.len().min(MAGIC.len());
    if bytes[..magic_len] != MAGIC[..magic_len] {
        return Err(problem(
            SnapshotProblem::Foreign,
            "not a craic snapshot (wrong magic bytes)",
        ));
    }
    if bytes.len() < 12 {
        return Err(problem(
            SnapshotProblem::Truncated,
            format!(
                "{} bytes, shorter than the {HEADER_LEN}-byte header",
                bytes.len()
            ),
        ));
    }
    let version = u32_at(bytes, 8);
    if version == 0 || version > FORMAT_VERSION {
        return Err(problem(
            SnapshotProblem::UnsupportedVersion,
            format!("format version {version}; this build reads 1..={FORMAT_VERSION}"),
        ));
    }
    if bytes.len() < HEADER_LEN {
        return Err(problem(
            SnapshotProblem::Truncated,
            format!(
                "{} bytes, shorter than the {HEADER_LEN}-byte header",
                bytes.len()
            ),
        ));
    }
    let header_crc = u32_at(bytes, 28);
    if crc32fast::hash(&bytes[0..28]) != header_crc {
        return Err(problem(
            SnapshotProblem::Corrupt,
            "header checksum mismatch",
        ));
    }
    let mut kind = [0u8; 4];
    kind.copy_from_slice(&bytes[12..16]);
    let mut len = [0u8; 8];
    len.copy_from_slice(&bytes[16..24]);
    let payload_len = u64::from_le_bytes(len);
    let available = (bytes.len() - HEADER_LEN) as u64;
    if payload_len > MAX_PAYLOAD_LEN {
        return Err(problem(
            SnapshotProblem::Corrupt,
            format!("recorded payload length {payload_len} exceeds {MAX_PAYLOAD_LEN}"),
        ));
    }
    if available < payload_len {
        return Err(problem(
            SnapshotProblem::Truncated,
            format!("payload has {available} of {payload_len} bytes"),
        ));
    }
    if available > payload_len {
        return Err(problem(
            SnapshotProblem::Corrupt,
            format!(
                "{} trailing bytes after the payload",
                available - payload_len
            ),
        ));
    }
    Ok(Header {
        version,
        kind,
        payload_len,
        payload_crc: u32_at(bytes, 24),
    })
}

/// Decodes an untyped snapshot written by [`encode`].
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    decode_kind(UNTYPED, bytes)
}

/// Decodes a snapshot written by [`encode_kind`] with the same `kind`; a snapshot of another
/// kind is [`SnapshotProblem::Foreign`].
pub fn decode_kind<T: DeserializeOwned>(kind: [u8; 4], bytes: &[u8]) -> Result<T> {
    let h = header(bytes)?;
    if h.kind != kind {
        return Err(problem(
            SnapshotProblem::Foreign,
            format!(
                "a craic snapshot of kind {:?}, expected {:?}",
                String::from_utf8_lossy(&h.kind),
                String::from_utf8_lossy(&kind)
            ),
        ));
    }
    let payload = &bytes[HEADER_LEN..];
    if crc32fast::hash(payload) != h.payload_crc {
        return Err(problem(
            SnapshotProblem::Corrupt,
            "payload checksum mismatch",
        ));
    }
    decode_payload(payload)
}

/// Runs bincode over a payload whose length is already validated, with a byte limit of the
/// smallest tier ≥ the payload length (see the module docs). In serde mode bincode claims
/// bytes against the limit only for owned strings and byte buffers, whose encoded bytes come
/// one-for-one from the payload, so a valid payload never exceeds its own length; the limit
/// only stops a lying length prefix from allocating before the read fails.
fn decode_payload<T: DeserializeOwned>(payload: &[u8]) -> Result<T> {
    const MIB: usize = 1 << 20;
    let n = payload.len();
    let result = if n <= MIB {
        run::<T, { MIB }>(payload)
    } else if n <= 16 * MIB {
        run::<T, { 16 * MIB }>(payload)
    } else if n <= 256 * MIB {
        run::<T, { 256 * MIB }>(payload)
    } else {
        run::<T, { MAX_PAYLOAD_LEN as usize }>(payload)
    };
    let (value, read) = result.map_err(|e| {
        problem(
            SnapshotProblem::Corrupt,
            format!("payload does not decode: {e}"),
        )
    })?;
    if read != n {
        return Err(problem(
            SnapshotProblem::Corrupt,
            format!("payload decoded from {read} of {n} bytes"),
        ));
    }
    Ok(value)
}

fn run<T: DeserializeOwned, const LIMIT: usize>(
    payload: &[u8],
) -> std::result::Result<(T, usize), bincode::error::DecodeError> {
    bincode::serde::decode_from_slice(payload, config().with_limit::<LIMIT>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Model {
        name: String,
        items: Vec<String>,
        weights: BTreeMap<String, f64>,
        rows: Vec<Vec<(u32, f32)>>,
        flag: Option<bool>,
    }

    fn model() -> Model {
        Model {
            name: "m".into(),
            items: vec!["a".into(), "bé".into()],
            weights: [("x".to_string(), 1.5), ("y".to_string(), -2.0)]
                .into_iter()
                .collect(),
            rows: vec![vec![(1, 0.5)], vec![], vec![(7, 2.0), (9, 3.0)]],
            flag: Some(true),
        }
    }

    fn reason(e: Error) -> SnapshotProblem {
        match e {
            Error::Snapshot { reason, .. } => reason,
            other => panic!("unexpected {other:?}"),
        }
    }

    fn reseal(bytes: &mut [u8]) {
        let crc = crc32fast::hash(&bytes[HEADER_LEN..]);
        bytes[24..28].copy_from_slice(&crc.to_le_bytes());
        let h = crc32fast::hash(&bytes[0..28]);
        bytes[28..32].copy_from_slice(&h.to_le_bytes());
    }

    #[test]
    fn round_trip_and_header() {
        let m = model();
        let bytes = encode(&m).unwrap();
        let h = header(&bytes).unwrap();
        assert_eq!(h.version, 1);
        assert_eq!(h.kind, UNTYPED);
        assert_eq!(h.payload_len as usize, bytes.len() - HEADER_LEN);
        assert_eq!(decode::<Model>(&bytes).unwrap(), m);
        // Deterministic.
        assert_eq!(encode(&m).unwrap(), bytes);
    }

    #[test]
    fn kinds_are_checked() {
        let bytes = encode_kind(*b"MODL", &model()).unwrap();
        assert_eq!(decode_kind::<Model>(*b"MODL", &bytes).unwrap(), model());
        assert_eq!(
            reason(decode::<Model>(&bytes).unwrap_err()),
            SnapshotProblem::Foreign
        );
        assert_eq!(
            reason(decode_kind::<Model>(*b"EXPS", &bytes).unwrap_err()),
            SnapshotProblem::Foreign
        );
    }

    #[test]
    fn classification() {
        let bytes = encode(&model()).unwrap();
        let r = |b: &[u8]| reason(decode::<Model>(b).unwrap_err());
        assert_eq!(r(b""), SnapshotProblem::Foreign);
        assert_eq!(
            r(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            SnapshotProblem::Foreign
        );
        assert_eq!(r(b"{\"json\": true}"), SnapshotProblem::Foreign);
        assert_eq!(r(b"CRAIC"), SnapshotProblem::Truncated);
        for cut in 1..bytes.len() {
            assert_eq!(r(&bytes[..cut]), SnapshotProblem::Truncated, "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(r(&longer), SnapshotProblem::Corrupt);
        let mut newer = bytes.clone();
        newer[8..12].copy_from_slice(&2u32.to_le_bytes());
        assert_eq!(r(&newer), SnapshotProblem::UnsupportedVersion);
        newer[8..12].copy_from_slice(&0u32.to_le_bytes());
        assert_eq!(r(&newer), SnapshotProblem::UnsupportedVersion);
        // Every single-bit flip anywhere is detected, never decoded.
        for byte in 0..bytes.len() {
            for bit in 0..8 {
                let mut b = bytes.clone();
                b[byte] ^= 1 << bit;
                let p = r(&b);
                if byte < 8 {
                    assert_eq!(p, SnapshotProblem::Foreign);
                } else if (8..12).contains(&byte) {
                    assert!(matches!(
                        p,
                        SnapshotProblem::UnsupportedVersion | SnapshotProblem::Corrupt
                    ));
                } else {
                    assert_eq!(p, SnapshotProblem::Corrupt, "byte {byte} bit {bit}");
                }
            }
        }
    }

    #[test]
    fn resealed_garbage_is_corrupt_not_a_panic() {
        let bytes = encode(&model()).unwrap();
        // A payload that decodes as the wrong type.
        let other = encode(&(1u8, 2u8)).unwrap();
        assert_eq!(
            reason(decode::<Model>(&other).unwrap_err()),
            SnapshotProblem::Corrupt
        );
        // A lying string length inside a validly checksummed payload: bincode's limit stops it.
        let mut b = bytes.clone();
        b[HEADER_LEN] = 251; // varint marker: a u64 follows
        b.truncate(HEADER_LEN + 1);
        b.extend_from_slice(&(u64::MAX / 2).to_le_bytes());
        let len = (b.len() - HEADER_LEN) as u64;
        b[16..24].copy_from_slice(&len.to_le_bytes());
        reseal(&mut b);
        assert_eq!(
            reason(decode::<Model>(&b).unwrap_err()),
            SnapshotProblem::Corrupt
        );
    }

    #[test]
    fn lying_header_length() {
        let mut b = encode(&model()).unwrap();
        b[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
        let h = crc32fast::hash(&b[0..28]);
        b[28..32].copy_from_slice(&h.to_le_bytes());
        assert_eq!(
            reason(decode::<Model>(&b).unwrap_err()),
            SnapshotProblem::Corrupt
        );
        b[16..24].copy_from_slice(&(1u64 << 30).to_le_bytes());
        let h = crc32fast::hash(&b[0..28]);
        b[28..32].copy_from_slice(&h.to_le_bytes());
        assert_eq!(
            reason(decode::<Model>(&b).unwrap_err()),
            SnapshotProblem::Truncated
        );
    }
}

#[cfg(test)]
mod serde_compat_tests {
    use super::*;
    use crate::alerts::{AlertRule, AlertState, Observations};
    use crate::drift::{psi_numeric, QuantileBins};
    use crate::monitoring::{MetricsRegistry, MetricsSnapshot};

    fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(v: &T) {
        assert_eq!(&decode::<T>(&encode(v).unwrap()).unwrap(), v);
    }

    /// The operations types must survive bincode, which cannot deserialize internally tagged,
    /// adjacently tagged or untagged enums (no `deserialize_any` / identifiers).
    #[test]
    fn ops_types_round_trip_through_bincode() {
        let rules = vec![
            AlertRule::Drift {
                feature: "f".into(),
                threshold: 0.25,
            },
            AlertRule::ConversionFloor {
                experiment: "e".into(),
                variant: "b".into(),
                floor: 0.1,
                window_secs: 60,
                min_exposures: 10,
            },
        ];
        round_trip(&rules);
        let mut state = AlertState::new();
        let mut obs = Observations::default();
        obs.drift.insert("f".into(), 0.5);
        state.evaluate(&rules, &obs, 10);
        round_trip(&state);
        round_trip(&obs);
        let reg = MetricsRegistry::new();
        reg.counter("c_total", "C.", &[("a", "b")]).unwrap().inc();
        reg.gauge("g", "G.", &[]).unwrap().set(1.5);
        reg.histogram("h_seconds", "H.", &[])
            .unwrap()
            .record(12_345);
        let snap: MetricsSnapshot = reg.snapshot();
        round_trip(&snap);
        let v: Vec<f64> = (0..50).map(f64::from).collect();
        round_trip(&QuantileBins::from_reference(&v, 10).unwrap());
        round_trip(&psi_numeric(&v, &v[10..], 10).unwrap());
    }
}
