//! The UHI JSON form (`uhi_schema: 1`) read by Python's `hist`/`boost-histogram` through
//! `uhi.io.json`.
//!
//! A file is an object mapping histogram names to histograms. Bin arrays are dense, nested
//! per axis and include flow bins. Integer axes are written as `regular` axes with
//! boost-histogram's `orig_type: Integer` hint, growing category axes with its `growth` hint,
//! so `hist.Hist(...)` restores the same axis types. cf-only options live under
//! `writer_info.cf`. JSON has no NaN or infinity: such bin contents are written as `null`
//! (read back by cf as NaN; Python's `hist` cannot load them).

use std::path::Path;

use serde_json::{json, Map, Value};

use crate::axis::{Axis, AxisKind};
use crate::error::{io_err, Error, Result};
use crate::histogram::{Bins, Histogram, Storage};

fn nested(data: &[f64], shape: &[usize], as_int: bool) -> Value {
    match shape.split_first() {
        None => number(data.first().copied().unwrap_or(0.0), as_int),
        Some((_, [])) => Value::Array(data.iter().map(|v| number(*v, as_int)).collect()),
        Some((&n, rest)) => {
            let inner: usize = rest.iter().product();
            Value::Array(
                (0..n)
                    .map(|i| nested(&data[i * inner..(i + 1) * inner], rest, as_int))
                    .collect(),
            )
        }
    }
}

fn number(v: f64, as_int: bool) -> Value {
    if as_int {
        json!(v as i64)
    } else {
        serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
    }
}

fn axis_json(a: &Axis) -> Value {
    let mut o = match &a.kind {
        AxisKind::Regular { bins, lo, hi } => json!({
            "type": "regular", "lower": lo, "upper": hi, "bins": bins,
            "underflow": a.underflow, "overflow": a.overflow, "circular": false,
        }),
        AxisKind::Variable { edges } => json!({
            "type": "variable", "edges": edges,
            "underflow": a.underflow, "overflow": a.overflow, "circular": false,
        }),
        AxisKind::Integer { lo, hi } => json!({
            "type": "regular", "lower": lo, "upper": hi, "bins": hi - lo,
            "underflow": a.underflow, "overflow": a.overflow, "circular": false,
            "writer_info": {"boost-histogram": {"orig_type": "Integer"}},
        }),
        AxisKind::IntCategory { categories } => json!({
            "type": "category_int", "categories": categories, "flow": a.overflow,
        }),
        AxisKind::StrCategory { categories } => json!({
            "type": "category_str", "categories": categories, "flow": a.overflow,
        }),
    };
    if a.growth {
        o["writer_info"] = json!({"boost-histogram": {"growth": true}});
    }
    if a.last_edge_inclusive {
        o["writer_info"]["cf"] = json!({"last_edge_inclusive": true});
    }
    o["metadata"] = json!({"name": a.name, "label": a.label});
    o
}

impl Histogram {
    /// The histogram as a UHI JSON value.
    pub fn to_uhi(&self) -> Value {
        let bins = self.settled();
        let shape = self.shape();
        let storage = match self.storage {
            Storage::Weight => json!({
                "type": "weighted",
                "values": nested(&bins.values, &shape, false),
                "variances": nested(bins.variances.as_deref().unwrap_or(&[]), &shape, false),
            }),
            Storage::Double => {
                json!({"type": "double", "values": nested(&bins.values, &shape, false)})
            }
            Storage::Count => json!({"type": "int", "values": nested(&bins.values, &shape, true)}),
        };
        json!({
            "uhi_schema": 1,
            "writer_info": {"cf": {"version": env!("CARGO_PKG_VERSION"), "events": self.events}},
            "axes": self.axes.iter().map(axis_json).collect::<Vec<_>>(),
            "storage": storage,
            "metadata": {"name": self.name, "label": self.title},
        })
    }

    /// Reads one histogram from a UHI JSON value (dense or sparse storage; `int`, `double`
    /// and `weighted` storages; regular, variable, integer and category axes).
    pub fn from_uhi(value: &Value) -> Result<Histogram> {
        let err = |at: &str, reason: &str| Error::Json {
            at: at.to_string(),
            reason: reason.to_string(),
        };
        if value.get("uhi_schema") != Some(&json!(1)) {
            return Err(err("uhi_schema", "missing or not 1"));
        }
        let axes_json = value
            .get("axes")
            .and_then(Value::as_array)
            .ok_or_else(|| err("axes", "missing or not an array"))?;
        let mut axes = Vec::new();
        for (i, a) in axes_json.iter().enumerate() {
            axes.push(axis_from_json(a).map_err(|reason| Error::Json {
                at: format!("axes[{i}]"),
                reason,
            })?);
        }
        let storage = value
            .get("storage")
            .ok_or_else(|| err("storage", "missing"))?;
        let kind = match storage.get("type").and_then(Value::as_str) {
            Some("weighted") => Storage::Weight,
            Some("double") => Storage::Double,
            Some("int") => Storage::Count,
            _ => {
                return Err(err(
                    "storage.type",
                    "cf reads int, double and weighted storages",
                ))
            }
        };
        let shape: Vec<usize> = axes.iter().map(Axis::extent).collect();
        let n = shape
            .iter()
            .try_fold(1usize, |acc, e| acc.checked_mul(*e))
            .filter(|n| *n <= crate::MAX_BINS)
            .ok_or(Error::TooLarge {
                shape: shape.clone(),
            })?;
        let read = |key: &str| -> Result<Vec<f64>> {
            let mut out = Vec::with_capacity(n);
            match storage.get(key) {
                None => return Ok(vec![0.0; n]),
                Some(v) => flatten(v, &mut out),
            }
            .map_err(|reason| err(&format!("storage.{key}"), &reason))?;
            Ok(out)
        };
        let mut values = read("values")?;
        let mut variances = (kind == Storage::Weight)
            .then(|| read("variances"))
            .transpose()?;
        if let Some(index) = storage.get("index") {
            let mut dense = vec![0.0; n];
            let mut dense_var = variances.as_ref().map(|_| vec![0.0; n]);
            let rows = index
                .as_array()
                .filter(|r| r.len() == shape.len())
                .ok_or_else(|| err("storage.index", "need one index row per axis"))?;
            let strides = crate::histogram::strides(&shape);
            for (k, v) in values.iter().enumerate() {
                let mut flat = 0;
                for (axis, row) in rows.iter().enumerate() {
                    let i = row
                        .get(k)
                        .and_then(Value::as_u64)
                        .map(|i| i as usize)
                        .filter(|i| *i < shape[axis])
                        .ok_or_else(|| err("storage.index", "index out of range"))?;
                    flat += i * strides[axis];
                }
                dense[flat] = *v;
                if let (Some(d), Some(s)) = (&mut dense_var, &variances) {
                    d[flat] = s[k];
                }
            }
            values = dense;
            variances = dense_var;
        }
        if values.len() != n || variances.as_ref().is_some_and(|v| v.len() != n) {
            return Err(err(
                "storage",
                &format!("need {n} bins for the axes' extents {shape:?}"),
            ));
        }
        let meta = |key: &str| {
            value
                .get("metadata")
                .and_then(|m| m.get(key))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let events = value
            .pointer("/writer_info/cf/events")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        Ok(Histogram::from_parts(
            meta("name"),
            meta("label"),
            axes,
            kind,
            Bins { values, variances },
            events,
        ))
    }

    /// Writes named histograms as one UHI JSON file (an object keyed by name), atomically.
    pub fn write_uhi_json(path: impl AsRef<Path>, hists: &[&Histogram]) -> Result<()> {
        let mut map = Map::new();
        for h in hists {
            map.insert(h.name.clone(), h.to_uhi());
        }
        let text = serde_json::to_vec(&Value::Object(map)).map_err(|e| Error::Json {
            at: String::new(),
            reason: e.to_string(),
        })?;
        crate::io::write_atomic(path.as_ref(), &text)
    }

    /// Reads every histogram of a UHI JSON file (a single histogram or an object of them).
    pub fn read_uhi_json(path: impl AsRef<Path>) -> Result<Vec<Histogram>> {
        let path = path.as_ref();
        let text = std::fs::read(path).map_err(io_err(path))?;
        let value: Value = serde_json::from_slice(&text).map_err(|e| Error::Json {
            at: path.display().to_string(),
            reason: e.to_string(),
        })?;
        if value.get("uhi_schema").is_some() {
            return Ok(vec![Histogram::from_uhi(&value)?]);
        }
        let map = value.as_object().ok_or_else(|| Error::Json {
            at: path.display().to_string(),
            reason: "not an object".into(),
        })?;
        map.iter()
            .map(|(name, v)| {
                let h = Histogram::from_uhi(v).map_err(|e| match e {
                    Error::Json { at, reason } => Error::Json {
                        at: format!("{name}.{at}"),
                        reason,
                    },
                    e => e,
                })?;
                Ok(if h.name.is_empty() {
                    h.with_name(name.clone())
                } else {
                    h
                })
            })
            .collect()
    }
}

fn flatten(v: &Value, out: &mut Vec<f64>) -> std::result::Result<(), String> {
    match v {
        Value::Array(items) => items.iter().try_for_each(|i| flatten(i, out)),
        Value::Number(n) => {
            out.push(n.as_f64().ok_or("number out of range")?);
            Ok(())
        }
        Value::Null => {
            out.push(f64::NAN);
            Ok(())
        }
        Value::String(_) => Err("external data paths are not supported".into()),
        _ => Err("expected numbers".into()),
    }
}

fn axis_from_json(a: &Value) -> std::result::Result<Axis, String> {
    let b = |k: &str| a.get(k).and_then(Value::as_bool).unwrap_or(false);
    let f = |k: &str| {
        a.get(k)
            .and_then(Value::as_f64)
            .ok_or(format!("`{k}` missing"))
    };
    let orig_integer =
        a.pointer("/writer_info/boost-histogram/orig_type") == Some(&json!("Integer"));
    let growth = a.pointer("/writer_info/boost-histogram/growth") == Some(&json!(true));
    let inclusive = a.pointer("/writer_info/cf/last_edge_inclusive") == Some(&json!(true));
    let e = |e: Error| e.to_string();
    let axis = match a.get("type").and_then(Value::as_str) {
        Some("regular") if orig_integer => {
            Axis::integer(f("lower")? as i64, f("upper")? as i64).map_err(e)?
        }
        Some("regular") => {
            let bins = a
                .get("bins")
                .and_then(Value::as_u64)
                .ok_or("`bins` missing")?;
            Axis::regular(bins as usize, f("lower")?, f("upper")?).map_err(e)?
        }
        Some("variable") => {
            let edges = a
                .get("edges")
                .and_then(Value::as_array)
                .ok_or("`edges` missing")?
                .iter()
                .map(|v| v.as_f64().ok_or("edge is not a number"))
                .collect::<std::result::Result<Vec<f64>, _>>()?;
            Axis::variable(edges).map_err(e)?
        }
        Some("category_int") => {
            let cats = a
                .get("categories")
                .and_then(Value::as_array)
                .ok_or("`categories` missing")?
                .iter()
                .map(|v| v.as_i64().ok_or("category is not an integer"))
                .collect::<std::result::Result<Vec<i64>, _>>()?;
            Axis::int_category(cats).map_err(e)?
        }
        Some("category_str") => {
            let cats = a
                .get("categories")
                .and_then(Value::as_array)
                .ok_or("`categories` missing")?
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or("category is not a string")
                })
                .collect::<std::result::Result<Vec<String>, _>>()?;
            Axis::str_category(cats).map_err(e)?
        }
        other => return Err(format!("axis type {other:?} is not supported")),
    };
    let meta = |k: &str| {
        a.get("metadata")
            .and_then(|m| m.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let mut axis = axis
        .with_name(meta("name"))
        .with_label(meta("label"))
        .with_growth(growth)
        .with_last_edge_inclusive(inclusive);
    if axis.is_category() {
        axis.overflow = b("flow") && !growth;
    } else {
        axis.underflow = b("underflow");
        axis.overflow = b("overflow");
    }
    Ok(axis)
}
