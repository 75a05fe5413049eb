//! Reading correction JSON: gzip detection, the non-finite number extension, and typed access
//! with the JSON path of each element for error messages.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Marks a string that stood for a bare non-finite number token in the source text. A NUL
/// character cannot appear unescaped in JSON strings, so real data never collides with it.
const NONFINITE_MARK: char = '\u{0}';

/// Decompresses `bytes` when they start with the gzip magic number.
pub(crate) fn decompress<'b>(bytes: &'b [u8], file: &str) -> Result<Cow<'b, [u8]>> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(Cow::Borrowed(bytes));
    }
    let gzip_error = |problem: String| Error::Gzip {
        file: file.to_owned(),
        problem,
    };
    // The trailer's ISIZE is the uncompressed size modulo 2^32; correction files stay far below.
    let trailer = bytes
        .len()
        .checked_sub(4)
        .and_then(|at| bytes.get(at..))
        .ok_or_else(|| gzip_error("truncated stream".into()))?;
    let size = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]) as usize;
    let mut out = vec![0u8; size];
    let mut decompressor = libdeflater::Decompressor::new();
    let written = decompressor
        .gzip_decompress(bytes, &mut out)
        .map_err(|err| gzip_error(err.to_string()))?;
    out.truncate(written);
    Ok(Cow::Owned(out))
}

/// Parses JSON text that may contain the bare tokens `NaN`, `Inf`, `Infinity`, `-Inf` and
/// `-Infinity` (written by Python's `json` module and accepted by the reference evaluator).
pub(crate) fn parse(bytes: &[u8], file: &str) -> Result<Value> {
    let text = replace_nonfinite(bytes);
    serde_json::from_slice(&text).map_err(|source| Error::Json {
        file: file.to_owned(),
        source,
    })
}

/// Rewrites bare non-finite tokens outside strings as marked strings, leaving all else intact.
fn replace_nonfinite(bytes: &[u8]) -> Cow<'_, [u8]> {
    const TOKENS: [(&[u8], &str); 5] = [
        (b"-Infinity", "-inf"),
        (b"-Inf", "-inf"),
        (b"Infinity", "inf"),
        (b"Inf", "inf"),
        (b"NaN", "nan"),
    ];
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        if matches!(b, b'-' | b'I' | b'N') {
            if let Some((token, name)) = TOKENS.iter().find(|(t, _)| bytes[i..].starts_with(t)) {
                let buf = out.get_or_insert_with(|| Vec::with_capacity(bytes.len() + 64));
                buf.extend_from_slice(&bytes[copied..i]);
                buf.extend_from_slice(format!("\"\\u0000{name}\"").as_bytes());
                i += token.len();
                copied = i;
                continue;
            }
        }
        i += 1;
    }
    match out {
        Some(mut buf) => {
            buf.extend_from_slice(&bytes[copied..]);
            Cow::Owned(buf)
        }
        None => Cow::Borrowed(bytes),
    }
}

/// One step of a JSON path.
#[derive(Clone, Copy)]
pub(crate) enum Seg {
    Key(&'static str),
    Index(usize),
}

/// Typed access to a JSON document that remembers where it is, so errors can name the
/// file and the JSON path. Callers push a step before descending and pop it after; on an
/// error they return at once, leaving the path pointing at the failure.
pub(crate) struct Reader<'f> {
    file: &'f str,
    path: Vec<Seg>,
}

impl<'f> Reader<'f> {
    pub(crate) fn new(file: &'f str) -> Self {
        Self {
            file,
            path: Vec::new(),
        }
    }

    pub(crate) fn file(&self) -> &str {
        self.file
    }

    pub(crate) fn path_push(&mut self, seg: Seg) {
        self.path.push(seg);
    }

    pub(crate) fn path_pop(&mut self) {
        self.path.pop();
    }

    pub(crate) fn invalid(&self, problem: impl Into<String>) -> Error {
        let mut at = String::from("$");
        for seg in &self.path {
            match seg {
                Seg::Key(key) => {
                    let _ = write!(at, ".{key}");
                }
                Seg::Index(index) => {
                    let _ = write!(at, "[{index}]");
                }
            }
        }
        Error::Invalid {
            file: self.file.to_owned(),
            at,
            problem: problem.into(),
        }
    }

    pub(crate) fn object<'v>(&self, value: &'v Value) -> Result<&'v Map<String, Value>> {
        value
            .as_object()
            .ok_or_else(|| self.invalid(format!("expected an object, found {}", kind(value))))
    }

    pub(crate) fn required<'v>(&self, obj: &'v Map<String, Value>, key: &str) -> Result<&'v Value> {
        obj.get(key)
            .ok_or_else(|| self.invalid(format!("missing required attribute '{key}'")))
    }

    pub(crate) fn string<'v>(&self, obj: &'v Map<String, Value>, key: &str) -> Result<&'v str> {
        let value = self.required(obj, key)?;
        value.as_str().ok_or_else(|| {
            self.invalid(format!(
                "attribute '{key}' must be a string, found {}",
                kind(value)
            ))
        })
    }

    pub(crate) fn optional_string<'v>(
        &self,
        obj: &'v Map<String, Value>,
        key: &str,
    ) -> Result<Option<&'v str>> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.invalid(format!(
                "attribute '{key}' must be a string, found {}",
                kind(other)
            ))),
        }
    }

    pub(crate) fn array<'v>(&self, obj: &'v Map<String, Value>, key: &str) -> Result<&'v [Value]> {
        let value = self.required(obj, key)?;
        value.as_array().map(Vec::as_slice).ok_or_else(|| {
            self.invalid(format!(
                "attribute '{key}' must be an array, found {}",
                kind(value)
            ))
        })
    }

    pub(crate) fn optional_array<'v>(
        &self,
        obj: &'v Map<String, Value>,
        key: &str,
    ) -> Result<Option<&'v [Value]>> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(other) => Err(self.invalid(format!(
                "attribute '{key}' must be an array, found {}",
                kind(other)
            ))),
        }
    }

    pub(crate) fn integer(&self, obj: &Map<String, Value>, key: &str) -> Result<i64> {
        let value = self.required(obj, key)?;
        value.as_i64().ok_or_else(|| {
            self.invalid(format!(
                "attribute '{key}' must be an integer, found {}",
                kind(value)
            ))
        })
    }

    pub(crate) fn number_at(&self, obj: &Map<String, Value>, key: &str) -> Result<f64> {
        let value = self.required(obj, key)?;
        self.number(value).map_err(|_| {
            self.invalid(format!(
                "attribute '{key}' must be a number, found {}",
                kind(value)
            ))
        })
    }

    /// A number, including the marked non-finite tokens.
    pub(crate) fn number(&self, value: &Value) -> Result<f64> {
        number(value)
            .ok_or_else(|| self.invalid(format!("expected a number, found {}", kind(value))))
    }
}

/// A JSON number or a marked non-finite token, as `f64`.
pub(crate) fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => nonfinite(s),
        _ => None,
    }
}

/// The value of a marked non-finite token.
pub(crate) fn nonfinite(s: &str) -> Option<f64> {
    match s.strip_prefix(NONFINITE_MARK)? {
        "inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        "nan" => Some(f64::NAN),
        _ => None,
    }
}

pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(s) if nonfinite(s).is_some() => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonfinite_tokens_become_numbers_outside_strings_only() {
        let text = br#"{"a": [-Infinity, Infinity, NaN, 1.5], "s": "NaN \" Infinity"}"#;
        let value = parse(text, "t.json").unwrap();
        let a = value["a"].as_array().unwrap();
        assert_eq!(number(&a[0]), Some(f64::NEG_INFINITY));
        assert_eq!(number(&a[1]), Some(f64::INFINITY));
        assert!(number(&a[2]).unwrap().is_nan());
        assert_eq!(number(&a[3]), Some(1.5));
        assert_eq!(value["s"].as_str(), Some("NaN \" Infinity"));
    }

    #[test]
    fn invalid_names_the_json_path() {
        let mut reader = Reader::new("f.json");
        reader.path_push(Seg::Key("corrections"));
        reader.path_push(Seg::Index(3));
        let err = reader.invalid("bad");
        assert_eq!(
            err.to_string(),
            "f.json: invalid correction data at $.corrections[3]: bad"
        );
    }
}
